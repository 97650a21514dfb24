/**
 * The live feed under abuse: connect/close churn keeps no snapshots in memory, one account holds a
 * bounded number of connections, commands and snapshot requests are rate-limited, and a socket
 * that stops reading is dropped instead of holding its queue in the server's memory.
 */
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Ack } from '../../server/src/contract/errors.ts';
import type { ClientSocket } from '../helpers/server.ts';
import { freshPointIn, idemKey, startHarness, TONGHUA_GRID, type Harness } from '../helpers/server.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const emit = <T>(socket: ClientSocket, event: 'feed:resync' | 'feed:subscribe', payload: unknown): Promise<Ack<T>> =>
  new Promise((resolve) => (socket.emit as (e: string, p: unknown, ack: (r: Ack<T>) => void) => void)(event, payload, resolve));

async function report(harness: Harness, token: string): Promise<void> {
  const res = await harness.api(
    token,
    'POST',
    '/api/incidents',
    { class: '市容环境', priority: '一般', source: '12345热线', ...freshPointIn(harness.app, TONGHUA_GRID), description: '推送测试' },
    { 'idempotency-key': idemKey() },
  );
  expect(res.status).toBe(201);
}

describe('the live feed under abuse', () => {
  it('keeps no snapshot for connection recovery, however many connect and leave', async () => {
    h = await startHarness({ DUPLICATE_RADIUS_M: '5' });
    const { token } = await h.login('leader');
    const dispatcher = (await h.login('dispatcher')).token;
    for (let i = 0; i < 5; i++) await report(h, dispatcher);
    for (let i = 0; i < 60; i++) {
      const { socket } = await h.socket(token);
      socket.disconnect();
    }
    const buffered = (h.app.io.of('/').adapter as unknown as { packets: { data: unknown[] }[] }).packets;
    expect(buffered.filter((p) => p.data[0] === 'feed:reset')).toEqual([]);
    expect(JSON.stringify(buffered).length).toBeLessThan(100_000);
  });

  it('holds at most SOCKETS_PER_USER connections per account', async () => {
    h = await startHarness({ SOCKETS_PER_USER: '3' });
    const { token } = await h.login('leader');
    const held = [await h.socket(token), await h.socket(token), await h.socket(token)];
    const fourth = connect(h.base, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    const refused = await new Promise<string>((resolve) => fourth.once('connect_error', (e) => resolve(e.message)));
    expect(refused).toBe('too-many-connections');
    fourth.close();
    // Another account is not affected, and a freed place can be taken again.
    await h.socket((await h.login('dispatcher')).token);
    held[0]!.socket.disconnect();
    await expect
      .poll(async () => {
        const again = connect(h!.base, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
        const ok = await new Promise<boolean>((resolve) => {
          again.once('connect', () => resolve(true));
          again.once('connect_error', () => resolve(false));
        });
        again.close();
        return ok;
      })
      .toBe(true);
  });

  it('rate-limits snapshots asked for again and again, and commands beyond a burst', async () => {
    h = await startHarness({ FEED_HISTORY: '1', DUPLICATE_RADIUS_M: '5' });
    const dispatcher = (await h.login('dispatcher')).token;
    const { socket } = await h.socket((await h.login('leader')).token);
    // Three deltas, one at a time (reports close together share one): only the last is kept, so a
    // resync from 0 can only be answered with a snapshot.
    for (let i = 1; i <= 3; i++) {
      await report(h, dispatcher);
      await expect.poll(() => h!.app.broadcaster.seqOf('431103')).toBeGreaterThanOrEqual(i);
    }
    const fromZero = [];
    for (let i = 0; i < 6; i++) fromZero.push(await emit<{ kind: string }>(socket, 'feed:resync', { scope: '431103', fromSeq: 0 }));
    expect(fromZero.slice(0, 3).every((r) => r.ok && r.data.kind === 'snapshot')).toBe(true);
    expect(fromZero.slice(3).every((r) => !r.ok && r.error.code === 'rate-limited')).toBe(true);
    const seq = h.app.broadcaster.seqOf('431103');
    const flood = await Promise.all(Array.from({ length: 80 }, () => emit(socket, 'feed:resync', { scope: '431103', fromSeq: seq })));
    const limited = flood.filter((r) => !r.ok && r.error.code === 'rate-limited').length;
    expect(limited).toBeGreaterThan(20);
    expect(flood.length - limited).toBeGreaterThanOrEqual(30);
  });

  it('drops a socket that stops reading once its queue passes the bound', async () => {
    h = await startHarness({ SOCKET_BUFFER_MAX_KB: '256' });
    const { token } = await h.login('leader');
    const slow = await h.socket(token);
    const quick = await h.socket(token);
    // The slow client stops reading from its connection, as a wall PC that hangs would.
    const transport = slow.socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } };
    transport.ws._socket.pause();
    const dropped = new Promise<void>((resolve) => {
      for (const s of h!.app.io.sockets.sockets.values()) if (s.id === slow.socket.id) s.once('disconnect', () => resolve());
    });
    const big = 'x'.repeat(256 * 1024);
    // A stand-in for a busy feed: 15 MB addressed to it, far past what the kernel buffers take.
    const room = h.app.io.to(slow.socket.id!) as unknown as { emit(event: string, data: string): void };
    for (let i = 0; i < 60; i++) room.emit('load', big);
    await expect.poll(() => h!.app.sweep().then(() => h!.app.io.sockets.sockets.has(slow.socket.id!)), { timeout: 10_000 }).toBe(false);
    await dropped;
    expect(quick.socket.connected).toBe(true);
  });
});
