/**
 * Reconnect convergence: 200 feed clients (the app's own FeedClient over socket.io-client) watch
 * while cases flow; (a) the server restarts, (b) single clients drop for a few seconds. Every client
 * ends in the state a fresh snapshot gives, having applied no delta twice and skipped none.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { FeedClient, type FeedSocket } from '../../client/src/feed/feed-client.ts';
import type { FeedState } from '../../client/src/feed/reducer.ts';
import { freePort, killHard, startServerProcess, stopGracefully, type ServerProcess } from '../helpers/process.ts';

const PASSWORD = 'reconnect-pass';
const CLIENTS = 200;
let server: ServerProcess | null = null;
const clients: FeedClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  if (server) await killHard(server);
});

/** What a client shows: the open cases and their versions (seq restarts with the server). */
function stateHash(s: FeedState): string {
  return createHash('sha256')
    .update(JSON.stringify([...s.incidents.values()].map((i) => [i.id, i.version]).sort()))
    .digest('hex');
}

describe('reconnect convergence', () => {
  it('brings 200 clients back to a fresh snapshot after a restart and after individual drops', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lst-reconnect-'));
    const port = await freePort();
    // 200 clients on one account: more than an account may hold by default.
    const env = { DATA_DIR: dataDir, DEMO_PASSWORD: PASSWORD, BROADCAST_TICK_MS: '50', SOCKETS_PER_USER: '400' };
    server = await startServerProcess(env, port);
    const base = server.base;
    const token = (
      (await (
        await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'leader', password: PASSWORD }),
        })
      ).json()) as { token: string }
    ).token;
    const writer = (
      (await (
        await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'dispatcher', password: PASSWORD }),
        })
      ).json()) as { token: string }
    ).token;
    const connect = (): FeedClient => {
      const socket: FeedSocket = io(base, {
        auth: { token },
        transports: ['websocket'],
        reconnectionDelay: 200,
        reconnectionDelayMax: 1000,
        forceNew: true,
      });
      return new FeedClient(socket, { commit: () => undefined, status: () => undefined });
    };
    for (let i = 0; i < CLIENTS; i++) clients.push(connect());
    await expect.poll(() => clients.every((c) => c.current.scope !== null), { timeout: 30_000 }).toBe(true);

    // Cases keep flowing for the whole test: reports, and actions on them.
    let flowing = true;
    let n = 0;
    const flow = (async () => {
      while (flowing) {
        try {
          const res = await fetch(`${base}/api/incidents`, {
            method: 'POST',
            headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json', 'idempotency-key': `reconnect-${n}` },
            body: JSON.stringify({
              class: n % 2 ? '市容环境' : '街面秩序',
              source: '12345热线',
              gridCode: `43110300300400${1 + (n % 9)}`,
              description: `重连测试 ${n}`,
            }),
          });
          if (res.ok) {
            n++;
            const { incident } = (await res.json()) as { incident: { id: string; version: number } };
            if (n % 2)
              await fetch(`${base}/api/incidents/${incident.id}/actions`, {
                method: 'POST',
                headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
                body: JSON.stringify({ action: 'accept', version: incident.version }),
              });
          }
        } catch {
          // the server is restarting
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 1500));

    // (a) Restart the server (graceful: it flushes and closes sockets), on the same port and data.
    await stopGracefully(server);
    server = await startServerProcess(env, port);
    await new Promise((r) => setTimeout(r, 2500));

    // (b) Drop 40 clients at the transport for up to 3 s each (connection-state recovery applies).
    const dropped = clients.slice(0, 40);
    for (const [i, c] of dropped.entries()) {
      const engine = (c as unknown as { socket: FeedSocket }).socket.io.engine;
      setTimeout(() => engine.close(), (i % 10) * 100);
    }
    await new Promise((r) => setTimeout(r, 3500));

    flowing = false;
    await flow;
    // Let every last delta arrive, then compare each client with a fresh snapshot.
    const fresh = connect();
    await new Promise((r) => setTimeout(r, 1500));
    await expect.poll(() => fresh.current.scope !== null, { timeout: 10_000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    const expected = stateHash(fresh.current);
    const diverged = clients.filter((c) => stateHash(c.current) !== expected || c.current.seq !== fresh.current.seq);
    expect(n).toBeGreaterThan(50);
    expect(fresh.current.incidents.size).toBeGreaterThan(20);
    expect(diverged.length, `${diverged.length} clients diverged`).toBe(0);
    // Every client recovered from the restart with a snapshot, and the drops were replayed or resynced.
    expect(clients.every((c) => c.stats.snapshots >= 2)).toBe(true);
    const totals = clients.reduce(
      (t, c) => ({ applied: t.applied + c.stats.applied, duplicates: t.duplicates + c.stats.duplicates, gaps: t.gaps + c.stats.gaps }),
      { applied: 0, duplicates: 0, gaps: 0 },
    );
    console.log(
      `reconnect test: ${n} reports, ${CLIENTS} clients, ${totals.applied} deltas applied, ${totals.duplicates} replays ignored, ${totals.gaps} gaps resynced`,
    );
    fresh.close();
  }, 180_000);
});
