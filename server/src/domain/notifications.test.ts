import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { incidentFixture } from '../../../test/helpers/fixtures.ts';
import { accepted, backoffMs, BREAKER, breakerAfter, breakerAllows, buildRequest, eventsFor, RETRY } from './notifications.ts';

const base = incidentFixture({
  class: '安全隐患',
  description: '燃气泄漏，联系13912345678',
  address: '通化街',
  reporterPhone: '13912345678',
});

describe('notification events', () => {
  it('are raised by the change that causes them, once', () => {
    expect(eventsFor(undefined, base)).toEqual(['urgent']);
    expect(eventsFor(undefined, { ...base, priority: '一般' })).toEqual([]);
    expect(eventsFor(base, { ...base, version: 2, slaState: 'red', escalationLevel: 1 })).toEqual(['overdue', 'escalated']);
    expect(eventsFor({ ...base, slaState: 'red' }, { ...base, slaState: 'red', version: 3 })).toEqual([]);
    expect(eventsFor({ ...base, stage: 'verified' }, { ...base, stage: 'closed' })).toEqual(['closed']);
  });
});

describe('retries and the circuit breaker', () => {
  it('back off exponentially up to a cap', () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(30)).toBe(RETRY.capMs);
  });

  it('open after repeated failures, half-open after a while, close on success', () => {
    let b = undefined as ReturnType<typeof breakerAfter> | undefined;
    for (let n = 0; n < BREAKER.failures; n++) {
      expect(breakerAllows(b, 0)).toBe(true);
      b = breakerAfter(b, false, 0);
    }
    expect(breakerAllows(b, 1)).toBe(false);
    expect(breakerAllows(b, BREAKER.openMs)).toBe(true);
    expect(breakerAllows(breakerAfter(b, true, BREAKER.openMs), BREAKER.openMs)).toBe(true);
  });
});

describe('channel requests', () => {
  const now = new Date('2026-11-30T01:02:03.000Z');
  it('sign a webhook over timestamp and body, with personal data masked', () => {
    const r = buildRequest('webhook', 'https://example.test/hook', 'webhook-secret', 'urgent', base, now);
    const seconds = String(now.getTime() / 1000);
    expect(r.headers['x-lst-timestamp']).toBe(seconds);
    const expected = createHmac('sha256', 'webhook-secret').update(`${seconds}.${r.body}`).digest('hex');
    expect(r.headers['x-lst-signature']).toBe(`sha256=${expected}`);
    expect(r.body).not.toContain('13912345678');
    expect(JSON.parse(r.body)).toMatchObject({ event: 'urgent', incident: { id: base.id, reporterName: '陈**' } });
  });

  it('sign DingTalk robots as DingTalk documents (timestamp and Base64 HMAC of "timestamp\\nsecret" in the URL)', () => {
    const r = buildRequest('dingtalk', 'https://oapi.dingtalk.com/robot/send?access_token=abc', 'SECabc', 'overdue', base, now);
    const url = new URL(r.url);
    expect(url.searchParams.get('access_token')).toBe('abc');
    expect(url.searchParams.get('timestamp')).toBe(String(now.getTime()));
    expect(url.searchParams.get('sign')).toBe(createHmac('sha256', 'SECabc').update(`${now.getTime()}\nSECabc`).digest('base64'));
    expect(JSON.parse(r.body)).toMatchObject({ msgtype: 'markdown', markdown: { title: '【案件超时】安全隐患 2026113000001' } });
  });

  it('format WeCom robot messages as markdown', () => {
    const r = buildRequest('wecom', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k', null, 'closed', base, now);
    expect(r.url).toBe('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k');
    expect((JSON.parse(r.body) as { markdown: { content: string } }).markdown.content).toMatch(/^### 【案件结案】/);
  });

  it('count a robot delivered only when it says errcode 0', () => {
    expect(accepted('webhook', 204, '')).toBe(true);
    expect(accepted('dingtalk', 200, '{"errcode":0,"errmsg":"ok"}')).toBe(true);
    expect(accepted('dingtalk', 200, '{"errcode":310000,"errmsg":"sign not match"}')).toBe(false);
    expect(accepted('wecom', 500, '{"errcode":0}')).toBe(false);
  });
});
