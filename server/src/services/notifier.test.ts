import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentFixture } from '../../../test/helpers/fixtures.ts';
import { createSqliteNotificationRepository } from '../store/notifications-repo.ts';
import { queueNotifications } from './queue-notifications.ts';
import { openDatabase, type Db } from '../store/database.ts';
import { createWriter, type Writer } from '../store/writer.ts';
import { createNotifier } from './notifier.ts';

const open: { db: Db; writer: Writer }[] = [];
afterEach(async () => {
  for (const { db, writer } of open.splice(0)) {
    await writer.close();
    db.close();
  }
});

describe('notifier', () => {
  it('gives up on a delivery whose answer never ends at its timeout, and tries it again later', async () => {
    const db = openDatabase(':memory:');
    const writer = createWriter(db);
    open.push({ db, writer });
    const repo = createSqliteNotificationRepository(db);
    let now = new Date('2026-11-30T02:00:00Z');
    const at = now.toISOString();
    repo.subscribe(
      { name: '值班群', events: ['urgent'], scope: '431103', channel: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'webhook-secret' },
      'u-admin',
      at,
    );
    queueNotifications(repo, undefined, incidentFixture({ priority: '紧急' }), at);
    // The receiver answers 200 with a body that never ends, as undici 6 can leave one after a
    // timeout lands at the wrong moment (fetch-body.ts).
    let calls = 0;
    const fetch = (async () => {
      calls++;
      return new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"errcode"')) }), { status: 200 });
    }) as unknown as typeof globalThis.fetch;
    const notifier = createNotifier({
      repo,
      writer,
      clock: { now: () => now },
      logger: pino({ level: 'silent' }),
      timeoutMs: 100,
      fetch,
      allowPrivateTargets: true,
    });

    expect(await notifier.deliverDue()).toBe(1); // settles: the timeout covers the body
    const [first] = repo.log({ limit: 10 });
    expect(first).toMatchObject({ status: 'pending', attempts: 1 });
    expect(first!.lastError).toMatch(/超时.*TimeoutError/);

    now = new Date(now.getTime() + 60_000); // past its backoff: due again, not stuck in flight
    expect(await notifier.deliverDue()).toBe(1);
    expect(calls).toBe(2);
    expect(repo.log({ limit: 10 })[0]).toMatchObject({ status: 'pending', attempts: 2 });
  });

  it('refuses to deliver to a name that resolves to a loopback or private address, without sending', async () => {
    const db = openDatabase(':memory:');
    const writer = createWriter(db);
    open.push({ db, writer });
    const repo = createSqliteNotificationRepository(db);
    const at = '2026-11-30T02:00:00.000Z';
    for (const url of ['http://hooks.inside.test/h', 'http://hooks.outside.test/h']) {
      repo.subscribe({ name: url, events: ['urgent'], scope: '431103', channel: 'webhook', url, secret: 'webhook-secret' }, 'u-admin', at);
    }
    queueNotifications(repo, undefined, incidentFixture({ priority: '紧急' }), at);
    const sent: string[] = [];
    const fetch = (async (url: string) => (sent.push(url), new Response('', { status: 200 }))) as unknown as typeof globalThis.fetch;
    const lookup = async (host: string): Promise<string[]> => (host === 'hooks.inside.test' ? ['10.1.2.3'] : ['93.184.216.34']);
    const notifier = createNotifier({
      repo,
      writer,
      clock: { now: () => new Date(at) },
      logger: pino({ level: 'silent' }),
      timeoutMs: 100,
      fetch,
      lookup,
    });
    expect(await notifier.deliverDue()).toBe(2);
    expect(sent).toEqual(['http://hooks.outside.test/h']);
    const log = repo.log({ limit: 10 });
    expect(log.find((d) => d.status !== 'delivered')!.lastError).toMatch(/已拒绝：推送地址是本机或内网地址/);
  });
});
