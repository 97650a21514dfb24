/**
 * Crash safety: clients post 2,000 reports (with idempotency keys, retrying until acknowledged)
 * and take actions while the server is killed with SIGKILL and restarted. Afterwards every
 * acknowledged report exists exactly once, the database passes its integrity check, and every
 * case's row is exactly the replay of its events (no transition half-applied).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { replayIncident } from '../../server/src/store/incidents-repo.ts';
import { freePort, killHard, startServerProcess, stopGracefully, type ServerProcess } from '../helpers/process.ts';

const PASSWORD = 'crash-test-pass';
const REPORTS = 2000;
const WORKERS = 24;
let server: ServerProcess | null = null;
afterAll(async () => {
  if (server) await killHard(server);
});

describe('crash safety', () => {
  it('loses nothing acknowledged and doubles nothing across kill -9', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lst-crash-'));
    const port = await freePort();
    const env = { DATA_DIR: dataDir, DEMO_PASSWORD: PASSWORD };
    server = await startServerProcess(env, port);
    const first = server;
    const base = server.base;
    const login = (await (
      await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'dispatcher', password: PASSWORD }),
      })
    ).json()) as { token: string };
    const headers = { authorization: `Bearer ${login.token}`, 'content-type': 'application/json' };

    const acked = new Map<string, string>(); // idempotency key → case id
    let retries = 0;
    let actions = 0;
    let crashed = false;
    /** POST until the server answers (it may be down, or restarting). */
    const post = async (path: string, body: unknown, extra: Record<string, string> = {}): Promise<Response> => {
      for (;;) {
        try {
          const res = await fetch(`${base}${path}`, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) });
          if (res.status < 500) return res;
        } catch {
          // connection refused or reset while the server is down
        }
        retries++;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    let next = 0;
    const worker = async (w: number): Promise<void> => {
      for (let n = next++; n < REPORTS; n = next++) {
        const key = `crash-${w}-${n}`;
        const res = await post(
          '/api/incidents',
          {
            class: '市容环境',
            source: '12345热线',
            gridCode: '431103003004001',
            description: `崩溃测试 ${n}`,
          },
          { 'idempotency-key': key },
        );
        expect([200, 201]).toContain(res.status);
        const { incident } = (await res.json()) as { incident: { id: string; version: number } };
        acked.set(key, incident.id);
        if (n % 3 === 0) {
          // A transition too; after a crash its answer may be lost, and the retry then finds it done (409).
          const act = await post(`/api/incidents/${incident.id}/actions`, { action: 'accept', version: incident.version });
          expect([200, 409]).toContain(act.status);
          actions++;
        }
      }
    };
    const crash = (async () => {
      while (acked.size < REPORTS * 0.4) await new Promise((r) => setTimeout(r, 5));
      await killHard(server!);
      crashed = true;
      server = await startServerProcess(env, port);
    })();
    await Promise.all([...Array.from({ length: WORKERS }, (_, w) => worker(w)), crash]);
    expect(crashed).toBe(true);
    expect(first.output()).toMatch(/reports filed +in a writer thread/); // the default, and what was killed
    await stopGracefully(server);
    server = null;

    const db = new Database(join(dataDir, 'lengshuitan.sqlite'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(acked.size).toBe(REPORTS);
      const rows = db.prepare('SELECT id FROM incidents').all() as { id: string }[];
      expect(rows).toHaveLength(REPORTS); // exactly once each: no loss, no double
      const ids = new Set(rows.map((r) => r.id));
      for (const id of acked.values()) expect(ids.has(id)).toBe(true);
      const keys = db.prepare('SELECT key, incident_id FROM idempotency').all() as { key: string; incident_id: string }[];
      expect(new Map(keys.map((k) => [k.key, k.incident_id]))).toEqual(acked);
      for (const { id } of rows)
        expect(replayIncident(db as never, id), id).toEqual(
          JSON.parse((db.prepare('SELECT data FROM incidents WHERE id = ?').get(id) as { data: string }).data),
        );
      const accepted = (db.prepare("SELECT count(*) AS n FROM incident_events WHERE type = 'accept'").get() as { n: number }).n;
      expect(accepted).toBe(Math.ceil(REPORTS / 3)); // every accept applied exactly once
      console.log(`crash test: ${REPORTS} reports, ${actions} accepts, ${retries} retries across the crash`);
    } finally {
      db.close();
    }
  }, 180_000);
});
