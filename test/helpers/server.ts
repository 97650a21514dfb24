/** Test harness: the real app (createApp) on 127.0.0.1:0 with a temp SQLite file and a movable clock. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { createApp, type App } from '../../server/src/app.ts';
import { loadConfig } from '../../server/src/config.ts';
import type { User } from '../../server/src/contract/auth.ts';
import {
  decodeDelta,
  decodeSnapshot,
  type ClientToServerEvents,
  type Delta,
  type ServerToClientEvents,
  type Snapshot,
} from '../../server/src/contract/realtime.ts';

export const PASSWORD = 'test-password';
/** Monday 2026-11-30 09:00 in Shanghai: inside working hours. */
const MONDAY_9AM = Date.parse('2026-11-30T01:00:00Z');

export interface TestClock {
  now(): Date;
  advance(ms: number): void;
  set(t: number): void;
}

function createTestClock(start = MONDAY_9AM): TestClock {
  let t = start;
  return { now: () => new Date(t), advance: (ms) => void (t += ms), set: (v) => void (t = v) };
}

export interface Harness {
  app: App;
  clock: TestClock;
  base: string;
  dataDir: string;
  login(username: string, password?: string): Promise<{ token: string; user: User }>;
  api<T = unknown>(
    token: string | null,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }>;
  /** A connected socket, its first snapshot and every delta since (listened for before connecting). */
  socket(token: string): Promise<{ socket: ClientSocket; snapshot: Snapshot; deltas: Delta[] }>;
  close(): Promise<void>;
}

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export async function startHarness(
  env: Record<string, string> = {},
  options: { dataDir?: string; clock?: TestClock; logger?: Logger } = {},
): Promise<Harness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'lst-test-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    DEMO: '1',
    SIMULATOR: '0',
    DEMO_PASSWORD: PASSWORD,
    SLA_TIME_SCALE: '1',
    LOG_LEVEL: 'silent',
    BROADCAST_TICK_MS: '20',
    INDICATORS_EVERY_MS: '100',
    HOST: '127.0.0.1',
    PORT: '0',
    ...env,
  });
  const clock = options.clock ?? createTestClock();
  const app = createApp(config, { clock, autoSweep: false, logger: options.logger ?? pino({ level: 'silent' }) });
  await new Promise<void>((resolve) => app.httpServer.listen(0, '127.0.0.1', resolve));
  const port = (app.httpServer.address() as { port: number }).port;
  const base = `http://127.0.0.1:${port}`;
  const sockets: ClientSocket[] = [];
  const api: Harness['api'] = async (token, method, path, body, headers = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (metrics)
    }
    return { status: res.status, body: parsed as never };
  };
  return {
    app,
    clock,
    base,
    dataDir,
    api,
    async login(username, password = PASSWORD) {
      const res = await api<{ token: string; user: User }>(null, 'POST', '/api/auth/login', { username, password });
      if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async socket(token) {
      const s: ClientSocket = connect(base, {
        auth: { token },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        autoConnect: false,
      });
      sockets.push(s);
      s.on('feed:reset', (_snapshot, received) => received());
      const snapshot = nextEvent(s, 'feed:reset');
      snapshot.catch(() => undefined);
      const deltas: Delta[] = [];
      s.on('feed:changed', (d) => deltas.push(decodeDelta(d)));
      s.connect();
      await new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('connect_error', reject);
      });
      return { socket: s, snapshot: decodeSnapshot(await snapshot), deltas };
    },
    async close() {
      for (const s of sockets) s.disconnect();
      await app.close();
    },
  };
}

/** The first event of that name, or rejects after `ms`. */
function nextEvent<E extends keyof ServerToClientEvents>(
  socket: ClientSocket,
  event: E,
  ms = 5000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${String(event)} within ${ms} ms`)), ms);
    socket.once(
      event as never,
      ((payload: never) => {
        clearTimeout(timer);
        resolve(payload);
      }) as never,
    );
  });
}

let keyCounter = 0;
export const idemKey = (): string => `test-key-${Date.now()}-${++keyCounter}`;

/** A valid report at a point inside 通化街社区第一网格 (the demo grid worker's grid). */
export const TONGHUA_GRID = '431103003004001';

/** The label point of a unit (always inside it). */
export function pointIn(app: App, code: string): { lng: number; lat: number } {
  const label = app.geography.data.labels.features.find((l) => l.properties.code === code);
  if (!label) throw new Error(`no label for ${code}`);
  const [lng, lat] = label.geometry.coordinates as [number, number];
  return { lng, lat };
}

const latticeCursor = new Map<string, number>();
/**
 * A fresh point inside the grid on each call, ≈ 30 m from every earlier one (harnesses set DUPLICATE_RADIUS_M=5), so that reports in
 * tests are not linked as duplicates unless a test means them to be.
 */
export function freshPointIn(app: App, gridCode: string): { lng: number; lat: number } {
  const centre = pointIn(app, gridCode);
  for (let k = latticeCursor.get(gridCode) ?? 0; k < 400; k++) {
    const lng = Math.round((centre.lng + ((k % 20) - 10) * 0.0003) * 1e6) / 1e6;
    const lat = Math.round((centre.lat + (Math.floor(k / 20) - 10) * 0.0003) * 1e6) / 1e6;
    if (app.geography.gridAt(lng, lat)?.properties.code === gridCode) {
      latticeCursor.set(gridCode, k + 1);
      return { lng, lat };
    }
  }
  throw new Error(`no fresh point left in ${gridCode}`);
}
