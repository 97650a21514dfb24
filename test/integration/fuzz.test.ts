/**
 * Hostile input: ≥ 10,000 malformed requests and socket events (wrong types, huge strings, deep
 * JSON, NaN and out-of-range coordinates, unknown enums, stale or missing versions, forged, expired
 * and replayed tokens, bad idempotency keys). Each gets a 4xx or an error ack — never a 5xx, never a
 * crash — and the database is byte for byte what it was.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack } from '../../server/src/contract/errors.ts';
import { DESCRIPTION_MAX_CHARS, type Incident } from '../../server/src/contract/incidents.ts';
import { freshPointIn, idemKey, startHarness, TONGHUA_GRID, type ClientSocket, type Harness } from '../helpers/server.ts';

let h: Harness;
let dispatcher: string;
let expired: string;
let target: Incident;
let socket: ClientSocket;

const statuses = new Map<number, number>();
const tally = (status: number): void => void statuses.set(status, (statuses.get(status) ?? 0) + 1);
const CHINESE = /[\u4e00-\u9fff]/;
/** Error messages seen that a Chinese reader could not read. */
const notChinese = new Set<string>();

function dbFingerprint(): string {
  const hash = createHash('sha256');
  for (const table of ['incidents', 'incident_events', 'idempotency', 'tasks', 'task_events', 'users']) {
    for (const row of h.app.db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all()) hash.update(JSON.stringify(row));
  }
  return hash.digest('hex');
}

beforeAll(async () => {
  h = await startHarness({ DUPLICATE_RADIUS_M: '5', TOKEN_TTL_HOURS: '1' });
  const old = await h.login('dispatcher');
  expired = old.token;
  h.clock.advance(2 * 3_600_000); // the first token is now expired
  dispatcher = (await h.login('dispatcher')).token;
  const res = await h.api<{ incident: Incident }>(
    dispatcher,
    'POST',
    '/api/incidents',
    { class: '市容环境', source: '12345热线', ...freshPointIn(h.app, TONGHUA_GRID), description: '靶子' },
    { 'idempotency-key': idemKey() },
  );
  target = res.body.incident;
  ({ socket } = await h.socket(dispatcher));
});
afterAll(() => h.close());

/** Values that are wrong for any field: wrong types, NaN, huge or hostile strings, deep nesting. */
const hostile = fc.oneof(
  fc.constant(null),
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(-1e308),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 40 }),
  fc.constant('x'.repeat(5000)),
  fc.constant('<script>alert(1)</script>'),
  fc.constant("'; DROP TABLE incidents; --"),
  fc.constant({ __proto__: { admin: true } }),
  fc.array(fc.integer(), { maxLength: 5 }),
  fc.constant(JSON.parse('['.repeat(200) + ']'.repeat(200))),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);
const validReport = () => ({
  class: '市容环境',
  priority: '一般',
  source: '12345热线',
  ...freshPointIn(h.app, TONGHUA_GRID),
  description: '正常描述',
});
const REPORT_FIELDS = ['class', 'priority', 'source', 'lng', 'lat', 'gridCode', 'description', 'reporterPhone', 'photoUrl'] as const;
/** A report with one field broken (or an unknown field added): never valid. */
const brokenReport = fc.record({ field: fc.constantFrom(...REPORT_FIELDS, 'extra'), value: hostile }).filter(({ field, value }) => {
  if (field === 'description') return typeof value !== 'string' || value.trim() === '' || value.length > DESCRIPTION_MAX_CHARS;
  if (field === 'reporterPhone') return typeof value !== 'string' || !/^$|^[0-9+\- ]{5,20}$/.test(value.trim());
  // A finite number in range is a real (if odd) coordinate, not a malformed one.
  if (field === 'lng') return !(typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 180);
  if (field === 'lat') return !(typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 90);
  return true;
});
const badKeys = fc.oneof(
  fc.constant(undefined),
  fc.constant(''),
  fc.constant('short'),
  fc.constant('x'.repeat(200)),
  fc.constant('bad key with spaces!'),
  fc.string({ maxLength: 7 }),
);
const badActions = fc.oneof(
  fc.record({
    action: fc.constantFrom('accept', 'register', 'dispatch', 'verify', 'supervise', 'close'),
    version: fc.integer().filter((v) => v !== target?.version),
  }),
  fc.record({ action: fc.constantFrom('accept', 'supervise'), version: hostile }),
  fc.record({ action: hostile, version: fc.constant(1) }),
  fc.record({ action: fc.constant('extend'), version: fc.constant(1), hours: hostile, note: hostile }),
  fc.record({ action: fc.constant('dispatch'), version: fc.constant(1), to: hostile }),
  fc.constant({}),
  hostile,
);
const badQueries = fc.oneof(
  fc.constantFrom(
    'stage=nonsense',
    'limit=-1',
    'limit=100000',
    'limit=abc',
    'cursor=!!!',
    'scope=999',
    'from=yesterday',
    'overdue=maybe',
    'class=外星人',
    'unknown=1',
    'scope=431103%00',
  ),
  fc.string({ maxLength: 20 }).map((s) => `stage=${encodeURIComponent(s)}x`),
);

describe('hostile input', () => {
  it('answers ≥ 10,000 malformed requests and socket events with 4xx or error acks and changes nothing', async () => {
    const before = dbFingerprint();
    const base = validReport();
    let count = 0;
    const send = async (
      method: string,
      path: string,
      body: unknown,
      headers: Record<string, string> = {},
      token: string | null = dispatcher,
    ): Promise<void> => {
      const res = await h.api<{ error?: { code: string; message: string; fields?: Record<string, string> } }>(
        token,
        method,
        path,
        body,
        headers,
      );
      tally(res.status);
      count++;
      // What a user or an integrator reads is Chinese; the code stays a stable English word.
      const error = res.body.error;
      if (error && !CHINESE.test(error.message)) notChinese.add(`${error.code}: ${error.message}`);
    };

    await fc.assert(
      fc.asyncProperty(brokenReport, badKeys, async ({ field, value }, key) => {
        const body = field === 'extra' ? { ...base, extra: value } : { ...base, [field]: value };
        // A good key with a broken body, or a broken key with a good body.
        await send('POST', '/api/incidents', body, { 'idempotency-key': idemKey() });
        await send('POST', '/api/incidents', base, key === undefined ? {} : { 'idempotency-key': key });
      }),
      { numRuns: 1500, seed: 42 },
    );

    await fc.assert(
      fc.asyncProperty(badActions, async (action) => {
        await send('POST', `/api/incidents/${target.id}/actions`, action);
      }),
      { numRuns: 1500, seed: 43 },
    );

    await fc.assert(
      fc.asyncProperty(badQueries, async (q) => send('GET', `/api/incidents?${q}`, undefined)),
      { numRuns: 600, seed: 44 },
    );

    const forged = `${Buffer.from(JSON.stringify({ sub: 'admin', role: 'admin', scope: '431103', exp: 9e9 })).toString('base64url')}.${'A'.repeat(43)}`;
    for (const token of [
      expired,
      forged,
      'a.b',
      '',
      'Bearer',
      'x'.repeat(3000),
      `${dispatcher}x`,
      dispatcher.split('.').reverse().join('.'),
    ]) {
      for (let i = 0; i < 60; i++) await send('POST', '/api/incidents', base, { 'idempotency-key': idemKey() }, token);
    }
    for (const raw of ['{', '[1,2', '{"class":', 'null', '"string"', '[]', '{}', `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`]) {
      for (let i = 0; i < 30; i++) await send('POST', '/api/incidents', raw, { 'idempotency-key': idemKey() });
    }
    await send('POST', '/api/incidents', { ...base, description: 'x'.repeat(100_000) }, { 'idempotency-key': idemKey() });

    // Socket events, with and without acks.
    const events = ['feed:subscribe', 'feed:resync', 'incident:report', 'incident:act', 'nonsense:event'] as const;
    let acks = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...events), hostile, fc.boolean(), async (event, payload, withAck) => {
        count++;
        if (!withAck) {
          (socket.emit as (e: string, p: unknown) => void)(event, payload);
          return;
        }
        const reply = await Promise.race([
          new Promise<Ack<unknown> | 'none'>((resolve) =>
            (socket.emit as (e: string, p: unknown, a: (r: Ack<unknown>) => void) => void)(event, payload, resolve),
          ),
          new Promise<'none'>((resolve) => setTimeout(() => resolve('none'), event === 'nonsense:event' ? 20 : 2000)),
        ]);
        if (event === 'nonsense:event') return;
        acks++;
        expect(reply).not.toBe('none');
        expect(reply === 'none' || reply.ok).toBe(false);
        if (reply !== 'none' && !reply.ok && !CHINESE.test(reply.error.message))
          notChinese.add(`${reply.error.code}: ${reply.error.message}`);
      }),
      { numRuns: 4500, seed: 45 },
    );
    await expect.poll(() => socket.connected).toBe(true);

    expect(count).toBeGreaterThanOrEqual(10_000);
    expect(acks).toBeGreaterThan(1000);
    const codes = [...statuses.keys()].sort();
    expect(
      codes.every((c) => c >= 400 && c < 500),
      `statuses seen: ${JSON.stringify(Object.fromEntries(statuses))}`,
    ).toBe(true);
    expect(statuses.get(401)).toBeGreaterThanOrEqual(480);
    expect(statuses.get(413)).toBeGreaterThanOrEqual(1);
    expect((await h.api(null, 'GET', '/healthz')).status).toBe(200);
    expect(dbFingerprint()).toBe(before);
    expect([...notChinese]).toEqual([]);
  }, 300_000);
});
