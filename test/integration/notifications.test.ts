/**
 * Notifications against a local receiver: signed webhooks (checked as a receiver would), DingTalk
 * and WeCom robot formats, retries with backoff, expiry, the circuit breaker, the admin's delivery
 * log, and a dead receiver that does not slow a dispatcher down.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../server/src/contract/incidents.ts';
import type { Delivery } from '../../server/src/contract/notifications.ts';
import { BREAKER, RETRY } from '../../server/src/domain/notifications.ts';
import { freshPointIn, idemKey, startHarness, TONGHUA_GRID, type Harness } from '../helpers/server.ts';

interface Received {
  path: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
let h: Harness;
let admin: string;
let dispatcher: string;
let receiver: Server;
let base: string;
const received: Received[] = [];
const held: ServerResponse[] = [];
let flakyLeft = 2;

beforeAll(async () => {
  // The receiver runs on loopback, a private address a deployment does not deliver to unless allowed.
  h = await startHarness({ DUPLICATE_RADIUS_M: '5', NOTIFY_TIMEOUT_MS: '1500', NOTIFY_ALLOW_PRIVATE: '1' });
  admin = (await h.login('admin')).token;
  dispatcher = (await h.login('dispatcher')).token;
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += String(c)));
    req.on('end', () => {
      const path = new URL(req.url!, 'http://x').pathname;
      received.push({ path, url: req.url!, headers: req.headers, body });
      if (path === '/blackhole') return void held.push(res); // answers nothing, ever
      if (path === '/down') return void res.writeHead(503).end('down');
      if (path === '/flaky' && flakyLeft-- > 0) return void res.writeHead(500).end('try later');
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(path === '/hook' || path === '/flaky' ? '' : '{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const res of held) res.destroy();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
  await h.close();
});

async function subscribe(body: Record<string, unknown>): Promise<string> {
  const res = await h.api<{ subscription: { id: string } }>(admin, 'POST', '/api/admin/subscriptions', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.subscription.id;
}
async function report(extra: Record<string, unknown> = {}): Promise<Incident> {
  const res = await h.api<{ incident: Incident }>(
    dispatcher,
    'POST',
    '/api/incidents',
    {
      class: '安全隐患',
      priority: '紧急',
      source: '网格员巡查',
      ...freshPointIn(h.app, TONGHUA_GRID),
      description: '燃气管道泄漏，报告人电话13912345678',
      reporterName: '陈某辰',
      reporterPhone: '13912345678',
      ...extra,
    },
    { 'idempotency-key': idemKey() },
  );
  expect(res.status).toBe(201);
  return res.body.incident;
}
const log = async (subscription: string) =>
  (await h.api<{ items: Delivery[] }>(admin, 'GET', `/api/admin/deliveries?subscription=${subscription}`)).body.items;
const disable = (id: string) => h.api(admin, 'DELETE', `/api/admin/subscriptions/${id}`);

describe('notifications', () => {
  it('sends a signed webhook for a new urgent case, verifiable by the receiver, with personal data masked', async () => {
    const id = await subscribe({
      name: '应急指挥平台',
      events: ['urgent'],
      channel: 'webhook',
      url: `${base}/hook`,
      secret: 'shared-secret-123',
    });
    await report({ priority: '一般' }); // not urgent: nothing
    const c = await report();
    expect(await h.app.notifier.deliverDue()).toBe(1);
    const got = received.filter((r) => r.path === '/hook');
    expect(got).toHaveLength(1);
    const { headers, body } = got[0]!;
    const expected = createHmac('sha256', 'shared-secret-123').update(`${headers['x-lst-timestamp']}.${body}`).digest('hex');
    expect(headers['x-lst-signature']).toBe(`sha256=${expected}`);
    expect(Math.abs(Number(headers['x-lst-timestamp']) - h.clock.now().getTime() / 1000)).toBeLessThan(5);
    expect(JSON.parse(body)).toMatchObject({ event: 'urgent', incident: { id: c.id, reporterPhone: '139****5678' } });
    expect(body).not.toContain('13912345678');
    expect((await log(id))[0]).toMatchObject({ status: 'delivered', attempts: 1, event: 'urgent', incidentId: c.id });
    await disable(id);
  });

  it("signs DingTalk robot messages and formats WeCom ones, only within each subscription's scope", async () => {
    const ding = await subscribe({
      name: '区指挥中心钉钉群',
      events: ['urgent'],
      channel: 'dingtalk',
      url: `${base}/robot/send?access_token=t0k`,
      secret: 'SEC0123456789',
    });
    const wecom = await subscribe({
      name: '楚江圩街道企业微信群',
      events: ['urgent'],
      scope: '431103009',
      channel: 'wecom',
      url: `${base}/cgi-bin/webhook/send?key=k1`,
    });
    const before = received.length;
    await report();
    await h.app.notifier.deliverDue();
    const got = received.slice(before);
    expect(got.map((r) => r.path)).toEqual(['/robot/send']); // the case is in 肖家园, outside the WeCom group's street
    const url = new URL(got[0]!.url, base);
    const ts = url.searchParams.get('timestamp')!;
    expect(url.searchParams.get('sign')).toBe(createHmac('sha256', 'SEC0123456789').update(`${ts}\nSEC0123456789`).digest('base64'));
    expect(JSON.parse(got[0]!.body)).toMatchObject({
      msgtype: 'markdown',
      markdown: { title: expect.stringMatching(/^【新紧急案件】安全隐患/) },
    });

    await report({ ...freshPointIn(h.app, '431103009008001') });
    await h.app.notifier.deliverDue();
    const wecomGot = received.filter((r) => r.path === '/cgi-bin/webhook/send');
    expect(wecomGot).toHaveLength(1);
    expect((JSON.parse(wecomGot[0]!.body) as { markdown: { content: string } }).markdown.content).toMatch(/^### 【新紧急案件】/);
    expect((await log(wecom))[0]!.status).toBe('delivered');
    await disable(ding);
    await disable(wecom);
  });

  it('retries with backoff until the receiver answers', async () => {
    const id = await subscribe({
      name: '偶尔失败的接收端',
      events: ['urgent'],
      channel: 'webhook',
      url: `${base}/flaky`,
      secret: 'flaky-secret-1',
    });
    await report();
    await h.app.notifier.deliverDue();
    expect((await log(id))[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: '对方返回 HTTP 500' });
    expect(JSON.stringify(await log(id))).not.toContain('try later'); // the answer's body is not kept
    expect(await h.app.notifier.deliverDue()).toBe(0); // not due yet: backoff
    h.clock.advance(1000);
    await h.app.notifier.deliverDue();
    expect((await log(id))[0]).toMatchObject({ status: 'pending', attempts: 2 });
    h.clock.advance(2000);
    await h.app.notifier.deliverDue();
    expect((await log(id))[0]).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(received.filter((r) => r.path === '/flaky')).toHaveLength(3);
    await disable(id);
  });

  it('opens the circuit after repeated failures, and expires what cannot be delivered', async () => {
    const id = await subscribe({
      name: '已下线的接收端',
      events: ['urgent', 'closed'],
      channel: 'webhook',
      url: `${base}/down`,
      secret: 'down-secret-12',
    });
    await report();
    for (let n = 0; n < BREAKER.failures; n++) {
      if (n > 0) h.clock.advance(RETRY.capMs); // each retry is due again
      await h.app.notifier.deliverDue();
    }
    const sentWhileClosed = received.filter((r) => r.path === '/down').length;
    expect(sentWhileClosed).toBe(BREAKER.failures);
    h.clock.advance(20_000); // the retry is due, but within the minute the circuit stays open
    await h.app.notifier.deliverDue(); // circuit open: not sent
    expect(received.filter((r) => r.path === '/down').length).toBe(sentWhileClosed);
    expect((await log(id))[0]!.lastError).toMatch(/熔断中/);
    for (let n = 0; n < 12; n++) {
      h.clock.advance(3 * 3_600_000);
      await h.app.notifier.deliverDue();
    }
    // A day and a half went by on the test clock: sessions expired with it.
    admin = (await h.login('admin')).token;
    dispatcher = (await h.login('dispatcher')).token;
    const [d] = await log(id);
    expect(d!.status).toBe('expired');
    expect(d!.attempts).toBeLessThanOrEqual(RETRY.maxAttempts);
    expect(
      (await h.api<{ items: Delivery[] }>(admin, 'GET', '/api/admin/deliveries?status=expired')).body.items.map((x) => x.id),
    ).toContain(d!.id);
    await disable(id);
  });

  it('does not slow a dispatcher down when a receiver hangs', async () => {
    const time = async (): Promise<number[]> => {
      const ms: number[] = [];
      for (let n = 0; n < 15; n++) {
        const c = await report();
        const t = performance.now();
        const res = await h.api(dispatcher, 'POST', `/api/incidents/${c.id}/actions`, { action: 'accept', version: c.version });
        ms.push(performance.now() - t);
        expect(res.status).toBe(200);
        void h.app.notifier.deliverDue(); // as the timer would: not awaited by anyone
      }
      return ms.sort((a, b) => a - b);
    };
    const quiet = await time();
    const id = await subscribe({
      name: '无响应的接收端',
      events: ['urgent'],
      channel: 'webhook',
      url: `${base}/blackhole`,
      secret: 'blackhole-secret',
    });
    const hanging = await time();
    // The dispatches finished while the receiver still held every notification request open.
    expect(held.length).toBeGreaterThan(5);
    expect(held.every((r) => !r.writableEnded)).toBe(true);
    const median = (xs: number[]): number => xs[Math.floor(xs.length / 2)]!;
    expect(median(hanging)).toBeLessThan(Math.max(3 * median(quiet), median(quiet) + 20));
    await new Promise((r) => setTimeout(r, 1700)); // NOTIFY_TIMEOUT_MS: the hung attempts give up
    const after = await log(id);
    expect(after.length).toBeGreaterThan(5);
    expect(after.every((d) => d.status === 'pending' && /超时/.test(d.lastError ?? ''))).toBe(true);
    await disable(id);
  });

  it('is administered by admins only, and refuses bad subscriptions and targets inside the server’s network', async () => {
    expect((await h.api(dispatcher, 'GET', '/api/admin/subscriptions')).status).toBe(403);
    expect((await h.api(dispatcher, 'GET', '/api/admin/deliveries')).status).toBe(403);
    for (const bad of [
      { name: '缺少密钥', events: ['urgent'], channel: 'webhook', url: `${base}/hook` },
      { name: '未知事件', events: ['party'], channel: 'wecom', url: `${base}/x` },
      { name: '坏地址', events: ['urgent'], channel: 'wecom', url: 'ftp://example.test' },
      { name: '未知范围', events: ['urgent'], channel: 'wecom', url: `${base}/x`, scope: '431103099' },
    ])
      expect((await h.api(admin, 'POST', '/api/admin/subscriptions', bad)).status, bad.name).toBe(400);
    // Without NOTIFY_ALLOW_PRIVATE a target inside the server's own network is refused.
    const strict = await startHarness();
    const strictAdmin = (await strict.login('admin')).token;
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://10.0.0.8/hook',
      'http://192.168.1.20/hook',
      'http://[::1]/hook',
      'http://169.254.169.254/latest',
    ]) {
      const res = await strict.api<{ error: { fields: Record<string, string> } }>(strictAdmin, 'POST', '/api/admin/subscriptions', {
        name: '内网地址',
        events: ['urgent'],
        channel: 'webhook',
        url,
        secret: 'webhook-secret',
      });
      expect(res.status, url).toBe(400);
      expect(res.body.error.fields.url).toMatch(/private/);
    }
    const publicTarget = {
      name: '钉钉群',
      events: ['urgent'],
      channel: 'dingtalk',
      url: 'https://oapi.dingtalk.com/robot/send?access_token=t',
      secret: 'SEC-robot-secret-1',
    };
    expect((await strict.api(strictAdmin, 'POST', '/api/admin/subscriptions', publicTarget)).status).toBe(201);
    await strict.close();
    const list = await h.api<{ items: Record<string, unknown>[] }>(admin, 'GET', '/api/admin/subscriptions');
    expect(list.body.items.length).toBeGreaterThan(0);
    expect(list.body.items.every((s) => !('secret' in s))).toBe(true);
  });
});
