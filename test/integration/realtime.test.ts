import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../server/src/contract/incidents.ts';
import {
  decodeDelta,
  decodeResync,
  decodeSnapshot,
  type Delta,
  type WireDelta,
  type WireResyncResult,
  type WireSnapshot,
} from '../../server/src/contract/realtime.ts';
import type { Ack } from '../../server/src/contract/errors.ts';
import { freshPointIn, idemKey, startHarness, TONGHUA_GRID, type ClientSocket, type Harness } from '../helpers/server.ts';

let h: Harness;
let dispatcher: string;
let wall: string;
let leader: string;
let gridworker: string;

beforeAll(async () => {
  h = await startHarness({ FEED_HISTORY: '5', DUPLICATE_RADIUS_M: '5' });
  dispatcher = (await h.login('dispatcher')).token;
  wall = (await h.login('wall')).token;
  leader = (await h.login('leader')).token;
  gridworker = (await h.login('gridworker')).token;
});
afterAll(() => h.close());

const report = async (grid = TONGHUA_GRID, extra: Record<string, unknown> = {}): Promise<Incident> => {
  const res = await h.api<{ incident: Incident }>(
    dispatcher,
    'POST',
    '/api/incidents',
    {
      class: '街面秩序',
      source: '12345热线',
      ...freshPointIn(h.app, grid),
      description: '占道经营',
      reporterName: '李四',
      reporterPhone: '13700001111',
      ...extra,
    },
    { 'idempotency-key': idemKey() },
  );
  expect(res.status).toBe(201);
  return res.body.incident;
};
const emit = <T>(
  socket: ClientSocket,
  event: 'feed:subscribe' | 'feed:resync' | 'incident:act' | 'incident:report',
  payload: unknown,
): Promise<Ack<T>> =>
  new Promise((resolve) => (socket.emit as (e: string, p: unknown, ack: (r: Ack<T>) => void) => void)(event, payload, resolve));

/** Collects deltas; resolves when one contains the case in the given stage. */
function waitForCase(deltas: Delta[], socket: ClientSocket, id: string, stage?: string, ms = 5000): Promise<Incident> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`case ${id} ${stage ?? ''} not delivered`)), ms);
    const onDelta = (wire: WireDelta): void => {
      const d = decodeDelta(wire);
      deltas.push(d);
      const hit = d.incidents.find((i) => i.id === id && (!stage || i.stage === stage));
      if (hit) {
        clearTimeout(timer);
        socket.off('feed:changed', onDelta);
        resolve(hit);
      }
    };
    socket.on('feed:changed', onDelta);
  });
}

describe('real-time feed', () => {
  it('refuses a handshake without a valid token', async () => {
    await expect(h.socket('not-a-token')).rejects.toThrow(/unauthenticated/);
  });

  it('sends a snapshot on connect, then deltas with consecutive seq to every client', async () => {
    const { socket: a, snapshot: snapA, deltas: allA } = await h.socket(dispatcher);
    const { socket: b, snapshot: snapB, deltas: allB } = await h.socket(leader);
    expect(snapA.scope).toBe('431103');
    expect(snapA.indicators.scope).toBe('431103');
    const c = await report();
    await Promise.all([waitForCase([], a, c.id), waitForCase([], b, c.id)]);
    const c2 = await report('431103001006001');
    await waitForCase([], a, c2.id);
    // Every delta since the snapshot, with no gap and no repeat (indicator-only ones included).
    const seqs = allA.map((d) => d.seq);
    expect(seqs).toEqual(seqs.map((_, i) => snapA.seq + 1 + i));
    expect(allA.flatMap((d) => d.incidents.map((i) => i.id))).toEqual(expect.arrayContaining([c.id, c2.id]));
    expect(allB[0]!.seq).toBe(snapB.seq + 1);
    a.disconnect();
    b.disconnect();
  });

  it('masks personal data for the wall on the wire, and only for the wall', async () => {
    const { socket: w, snapshot: snap } = await h.socket(wall);
    const { socket: d } = await h.socket(dispatcher);
    expect(JSON.stringify(snap)).not.toContain('13700001111');
    const wallDeltas: Delta[] = [];
    const c = await report(TONGHUA_GRID, { reporterName: '王小明', reporterPhone: '13688889999' });
    const [seenByWall, seenByDispatcher] = await Promise.all([waitForCase(wallDeltas, w, c.id), waitForCase([], d, c.id)]);
    expect(seenByWall.reporterName).toBe('王**');
    expect(seenByWall.reporterPhone).toBe('136****9999');
    expect(JSON.stringify(wallDeltas)).not.toContain('13688889999');
    expect(seenByDispatcher.reporterPhone).toBe('13688889999');
    w.disconnect();
    d.disconnect();
  });

  it('narrows a feed to a community on request and keeps scope on the server', async () => {
    const { socket: s } = await h.socket(leader);
    const sub = await emit<WireSnapshot>(s, 'feed:subscribe', { scope: '431103003004' });
    expect(sub.ok).toBe(true);
    if (!sub.ok) return;
    expect(decodeSnapshot(sub.data).incidents.every((i) => i.gridCode?.startsWith('431103003004'))).toBe(true);
    const deltas: Delta[] = [];
    const elsewhere = await report('431103001006001');
    const here = await report(TONGHUA_GRID);
    await waitForCase(deltas, s, here.id);
    expect(deltas.flatMap((d) => d.incidents).some((i) => i.id === elsewhere.id)).toBe(false);
    expect(deltas.every((d) => d.scope === '431103003004')).toBe(true);
    s.disconnect();

    const { socket: g, snapshot: snap } = await h.socket(gridworker);
    expect(snap.scope).toBe(TONGHUA_GRID);
    const denied = await emit<WireSnapshot>(g, 'feed:subscribe', { scope: '431103' });
    expect(denied).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const bad = await emit<WireSnapshot>(g, 'feed:subscribe', { scope: 12 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    g.disconnect();
  });

  it('resyncs a missed range from the kept deltas, and falls back to a snapshot when they are gone', async () => {
    const { socket: s, snapshot: snap } = await h.socket(dispatcher);
    const deltas: Delta[] = [];
    const c1 = await report();
    await waitForCase(deltas, s, c1.id);
    const c2 = await report();
    await waitForCase(deltas, s, c2.id);
    const missed = await emit<WireResyncResult>(s, 'feed:resync', { scope: '431103', fromSeq: snap.seq });
    expect(missed.ok && missed.data.kind).toBe('deltas');
    if (missed.ok && missed.data.kind === 'deltas') {
      const replayed = decodeResync(missed.data);
      expect(replayed.kind === 'deltas' && replayed.deltas.map((d) => d.seq)).toEqual(deltas.map((d) => d.seq));
      expect(replayed.kind === 'deltas' && replayed.deltas.flatMap((d) => d.incidents.map((i) => i.id))).toEqual(
        deltas.flatMap((d) => d.incidents.map((i) => i.id)),
      );
    }
    for (let i = 0; i < 6; i++) await waitForCase(deltas, s, (await report()).id); // more than FEED_HISTORY=5
    const tooOld = await emit<WireResyncResult>(s, 'feed:resync', { scope: '431103', fromSeq: snap.seq });
    expect(tooOld.ok && tooOld.data.kind).toBe('snapshot');
    if (tooOld.ok && tooOld.data.kind === 'snapshot') expect(tooOld.data.snapshot.seq).toBe(deltas.at(-1)!.seq);
    const ahead = await emit<WireResyncResult>(s, 'feed:resync', { scope: '431103', fromSeq: 10_000 });
    expect(ahead.ok && ahead.data.kind).toBe('snapshot');
    s.disconnect();
  });

  it('takes commands over the socket with acks, refusing bad ones without harm', async () => {
    const { socket: s } = await h.socket(dispatcher);
    const c = await report();
    const ok = await emit<Incident>(s, 'incident:act', { id: c.id, action: { action: 'accept', version: c.version } });
    expect(ok.ok && ok.data.stage).toBe('accepted');
    const stale = await emit<Incident>(s, 'incident:act', { id: c.id, action: { action: 'accept', version: c.version } });
    expect(stale).toMatchObject({ ok: false, error: { code: 'stale-version' } });
    const junk = await emit<Incident>(s, 'incident:act', { id: c.id, action: { action: 'teleport', version: 'x' } });
    expect(junk).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const reported = await emit<Incident>(s, 'incident:report', {
      idempotencyKey: idemKey(),
      report: { class: '市容环境', source: '12345热线', ...freshPointIn(h.app, TONGHUA_GRID), description: '垃圾' },
    });
    expect(reported.ok && reported.data.gridCode).toBe(TONGHUA_GRID);
    (s.emit as (e: string, p: unknown) => void)('incident:act', { id: c.id }); // no ack: ignored
    expect(s.connected).toBe(true);
    s.disconnect();
  });
});
