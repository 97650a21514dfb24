/**
 * Notifications without I/O: which events a case change raises, the retry schedule, the circuit
 * breaker per channel, and each channel's request — a generic webhook signed with HMAC-SHA256 over
 * `timestamp.body`, a DingTalk group robot (加签: HMAC-SHA256 of `timestamp\nsecret`, Base64, in the
 * URL) and a WeCom group robot (markdown; WeCom robots are not signed). services/notifier.ts sends.
 */
import { createHmac } from 'node:crypto';
import { STAGE_LABELS, type Incident } from '../contract/incidents.ts';
import { NOTIFY_EVENT_LABELS, type ChannelKind, type NotifyEvent } from '../contract/notifications.ts';
import { maskIncident } from './masking.ts';

/** The events a change raises: a new 紧急/重大 case, a clock running out, an escalation, a close. */
export function eventsFor(before: Incident | undefined, after: Incident): NotifyEvent[] {
  const out: NotifyEvent[] = [];
  if (!before && after.version === 1 && after.stage === 'reported' && after.priority !== '一般') out.push('urgent');
  if (after.slaState === 'red' && before?.slaState !== 'red') out.push('overdue');
  if (after.escalationLevel > (before?.escalationLevel ?? 0)) out.push('escalated');
  if (after.stage === 'closed' && before?.stage !== 'closed') out.push('closed');
  return out;
}

/** Retries: 1 s, 2 s, 4 s … capped at 5 minutes; a delivery expires after 10 attempts or 24 hours. */
export const RETRY = { maxAttempts: 10, expireAfterMs: 24 * 3_600_000, capMs: 5 * 60_000 };
export const backoffMs = (attempt: number): number => Math.min(RETRY.capMs, 1000 * 2 ** Math.max(0, attempt - 1));

/** A channel that failed 5 times in a row is skipped for a minute, then tried once (half open). */
export const BREAKER = { failures: 5, openMs: 60_000 };
export interface Breaker {
  failures: number;
  openUntil: number;
}
export const breakerAllows = (b: Breaker | undefined, now: number): boolean => !b || b.failures < BREAKER.failures || now >= b.openUntil;
export function breakerAfter(b: Breaker | undefined, ok: boolean, now: number): Breaker {
  if (ok) return { failures: 0, openUntil: 0 };
  const failures = (b?.failures ?? 0) + 1;
  return { failures, openUntil: failures >= BREAKER.failures ? now + BREAKER.openMs : 0 };
}

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The generic webhook signature: hex HMAC-SHA256 of `${timestamp}.${body}` (receivers check it and the age). */
const webhookSignature = (secret: string, timestamp: string, body: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/** DingTalk robot 加签: Base64 HMAC-SHA256 of `${timestamp}\n${secret}` keyed by the secret. */
const dingTalkSign = (secret: string, timestamp: number): string =>
  createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');

function markdown(event: NotifyEvent, i: Incident): { title: string; text: string } {
  const title = `【${NOTIFY_EVENT_LABELS[event]}】${i.class} ${i.id}`;
  const lines = [
    `### ${title}`,
    `- 紧急程度：${i.priority}`,
    `- 阶段：${STAGE_LABELS[i.stage]}`,
    `- 地点：${i.address || '待定位'}`,
    `- 承办：${i.assignee?.name ?? i.suggestedAssignee?.name ?? '待派遣'}`,
    ...(i.escalationLevel ? [`- 已升级 ${i.escalationLevel} 级`] : []),
    `- 描述：${i.description.slice(0, 200)}`,
  ];
  return { title, text: lines.join('\n') };
}

/** The HTTP request one delivery makes. Personal data is masked as on the wall: channels are group chats. */
export function buildRequest(
  channel: ChannelKind,
  url: string,
  secret: string | null,
  event: NotifyEvent,
  incident: Incident,
  now: Date,
): OutgoingRequest {
  const i = maskIncident(incident);
  if (channel === 'webhook') {
    const body = JSON.stringify({ event, label: NOTIFY_EVENT_LABELS[event], occurredAt: now.toISOString(), incident: i });
    const timestamp = String(Math.floor(now.getTime() / 1000));
    return {
      url,
      body,
      headers: {
        'content-type': 'application/json',
        'x-lst-event': event,
        'x-lst-timestamp': timestamp,
        'x-lst-signature': `sha256=${webhookSignature(secret!, timestamp, body)}`,
      },
    };
  }
  const { title, text } = markdown(event, i);
  if (channel === 'dingtalk') {
    const timestamp = now.getTime();
    const signed = new URL(url);
    signed.searchParams.set('timestamp', String(timestamp));
    signed.searchParams.set('sign', dingTalkSign(secret!, timestamp));
    return {
      url: signed.toString(),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msgtype: 'markdown', markdown: { title, text } }),
    };
  }
  return {
    url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msgtype: 'markdown', markdown: { content: text } }),
  };
}

/** Whether a channel's answer means delivered: 2xx, and for the robots an errcode of 0 in the body. */
/**
 * Whether an address is one a notification must not reach unless configured: loopback, private,
 * link-local, shared (CGNAT), unspecified or multicast ranges, IPv4 or IPv6. A receiver there is
 * inside the server's own network; a subscription pointed at it could probe that network.
 */
export function isPrivateAddress(address: string): boolean {
  const host = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host.replace(/^::ffff:/, ''));
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      a >= 224 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (!host.includes(':')) return false; // a host name: its addresses are checked when it is resolved
  return host === '::' || host === '::1' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host) || host.startsWith('ff');
}

/** Why a delivery failed, for the delivery log: the status and a robot's error code, never the answer's body. */
export function failureOf(channel: ChannelKind, status: number, body: string): string {
  if (channel === 'webhook' || status < 200 || status >= 300) return `对方返回 HTTP ${status}`;
  try {
    const errcode = (JSON.parse(body) as { errcode?: unknown }).errcode;
    return typeof errcode === 'number' ? `机器人返回错误码 ${errcode}` : '机器人的应答没有错误码';
  } catch {
    return '机器人的应答不是 JSON';
  }
}

export function accepted(channel: ChannelKind, status: number, body: string): boolean {
  if (status < 200 || status >= 300) return false;
  if (channel === 'webhook') return true;
  try {
    return (JSON.parse(body) as { errcode?: number }).errcode === 0;
  } catch {
    return false;
  }
}
