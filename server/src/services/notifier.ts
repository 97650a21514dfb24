/**
 * Notifications, off the request path: a case change that raises an event (domain/notifications.ts)
 * is queued in SQLite — in the very transaction that stores the change, so a crash loses neither or
 * both — for every live subscription that wants it in that part of the district; a
 * timer sends what is due, each request with a timeout, retries with backoff until it expires, and
 * skips a channel whose circuit breaker is open. Nothing here is awaited by a report or an action,
 * so a channel that is down never delays a dispatcher.
 */
import type { Logger } from 'pino';
import type { Incident } from '../contract/incidents.ts';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import {
  accepted,
  backoffMs,
  breakerAfter,
  breakerAllows,
  buildRequest,
  failureOf,
  isPrivateAddress,
  RETRY,
  type Breaker,
} from '../domain/notifications.ts';
import { bodyText } from '../fetch-body.ts';
import { type DueDelivery, type NotificationRepository, type SubscriptionWithSecret } from '../store/notifications-repo.ts';
import { queueNotifications } from './queue-notifications.ts';
import type { Writer } from '../store/writer.ts';
import type { Clock } from '../domain/clock.ts';

export interface NotifierDeps {
  repo: NotificationRepository;
  writer: Writer;
  clock: Clock;
  logger: Logger;
  /** Per-request timeout (ms). */
  timeoutMs: number;
  /** Deliver to loopback and private addresses too (NOTIFY_ALLOW_PRIVATE); else such a target is refused. */
  allowPrivateTargets?: boolean;
  /** Resolves a host name to its addresses (tests give their own). */
  lookup?: (host: string) => Promise<string[]>;
  fetch?: typeof fetch;
}

export type Notifier = ReturnType<typeof createNotifier>;

export function createNotifier(deps: NotifierDeps) {
  const { repo, writer, clock, logger } = deps;
  const send = deps.fetch ?? fetch;
  const breakers = new Map<string, Breaker>(); // per subscription (one channel each)
  const inFlight = new Set<number>();
  let timer: NodeJS.Timeout | null = null;

  const lookup = deps.lookup ?? (async (host: string) => (await dnsLookup(host, { all: true })).map((a) => a.address));
  /** A target on a loopback or private address is refused at each delivery (its name may have moved there since). */
  async function refusePrivate(url: string): Promise<void> {
    if (deps.allowPrivateTargets) return;
    const host = new URL(url).hostname;
    const addresses = isPrivateAddress(host) || isIP(host.replace(/^\[|\]$/g, '')) ? [host] : await lookup(host);
    if (addresses.some(isPrivateAddress)) throw new Error('已拒绝：推送地址是本机或内网地址（NOTIFY_ALLOW_PRIVATE=1 可放开）');
  }

  async function attempt(d: DueDelivery, subscriptions: readonly SubscriptionWithSecret[]): Promise<void> {
    const sub = subscriptions.find((s) => s.id === d.subscriptionId);
    const now = clock.now();
    if (!sub) return void (await writer.write(() => repo.expired(d.id, d.attempts, '订阅已停用')));
    const breaker = breakers.get(sub.id);
    if (!breakerAllows(breaker, now.getTime())) {
      // Not an attempt: try again when the breaker half-opens.
      return void (await writer.write(() =>
        repo.failed(d.id, d.attempts, new Date(breaker!.openUntil).toISOString(), '熔断中：该渠道连续失败，稍后再试'),
      ));
    }
    const attempts = d.attempts + 1;
    let error: string | null = null;
    try {
      const req = buildRequest(sub.channel, sub.url, sub.secret, d.event, d.incident, now);
      await refusePrivate(req.url);
      const signal = AbortSignal.timeout(deps.timeoutMs);
      const res = await send(req.url, { method: 'POST', headers: req.headers, body: req.body, signal, redirect: 'error' });
      const text = await bodyText(res, signal); // the timeout covers the body too, and always settles it
      if (!accepted(sub.channel, res.status, text)) error = failureOf(sub.channel, res.status, text);
    } catch (e) {
      error = describeFailure(e, deps.timeoutMs);
    }
    const after = clock.now();
    breakers.set(sub.id, breakerAfter(breakers.get(sub.id), error === null, after.getTime()));
    await writer.write(() => {
      if (error === null) repo.delivered(d.id, attempts, after.toISOString());
      else if (attempts >= RETRY.maxAttempts || after.getTime() - Date.parse(d.createdAt) >= RETRY.expireAfterMs)
        repo.expired(d.id, attempts, error);
      else repo.failed(d.id, attempts, new Date(after.getTime() + backoffMs(attempts)).toISOString(), error);
    });
    if (error) logger.info({ delivery: d.id, subscription: sub.id, attempts, error }, 'notification not delivered');
  }

  return {
    /** Queues the events this change raises; called inside the transaction that stores the change. */
    queue(after: Incident, before: Incident | undefined): void {
      queueNotifications(repo, before, after, clock.now().toISOString());
    },
    /** Sends every delivery that is due now, in parallel; resolves with how many were tried. */
    async deliverDue(): Promise<number> {
      // Deliveries still in flight (a slow channel, up to its timeout) are left alone, not waited for.
      const due = repo.due(clock.now().toISOString(), 100).filter((d) => !inFlight.has(d.id));
      due.forEach((d) => inFlight.add(d.id));
      const subscriptions = due.length > 0 ? repo.active() : []; // read once per round, not per delivery
      await Promise.all(
        due.map((d) =>
          attempt(d, subscriptions)
            .catch((err: unknown) => logger.error({ err }, 'notification attempt failed'))
            .finally(() => inFlight.delete(d.id)),
        ),
      );
      return due.length;
    },
    start(everyMs: number): void {
      timer = setInterval(() => void this.deliverDue(), everyMs);
      timer.unref();
    },
    close(): void {
      if (timer) clearInterval(timer);
    },
  };
}

/** Why a delivery could not be made, for the delivery log an administrator reads: in Chinese, with the system's code. */
function describeFailure(e: unknown, timeoutMs: number): string {
  if (!(e instanceof Error)) return `发送失败：${String(e)}`;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `超时：${timeoutMs / 1000} 秒内未应答（TimeoutError）`;
  if (e.message.startsWith('已拒绝')) return e.message;
  const code = e.cause instanceof Error ? ((e.cause as NodeJS.ErrnoException).code ?? e.cause.message) : null;
  return `连接失败${code ? `（${code}）` : ''}`;
}
