import { describe, expect, it } from 'vitest';
import type { Incident, Stage } from '@contract/incidents.ts';
import type { Delta, Snapshot } from '@contract/realtime.ts';
import type { Indicators } from '@contract/indicators.ts';
import type { Task } from '@contract/tasks.ts';
import { byUrgency } from '@contract/incidents.ts';
import { applyDelta, applySnapshot, MAX_RETAINED, mergeSorted, type FeedState } from './reducer.ts';

const incident = (id: string, stage: Stage = 'reported', version = 1, extra: Partial<Incident> = {}): Incident => ({
  id,
  class: '市容环境',
  priority: '一般',
  source: '12345热线',
  stage,
  description: '',
  address: '',
  lng: 111.6,
  lat: 26.44,
  gridCode: '431103003004001',
  communityCode: '431103003004',
  streetCode: '431103003',
  needsManualLocation: false,
  suggestedAssignee: null,
  assignee: null,
  reporterName: '',
  reporterPhone: '',
  photoUrl: null,
  duplicateOf: null,
  duplicateCount: 0,
  version,
  createdAt: '2026-11-30T01:00:00.000Z',
  updatedAt: '2026-11-30T01:00:00.000Z',
  stageEnteredAt: '2026-11-30T01:00:00.000Z',
  deadline: null,
  slaState: 'ok',
  supervised: false,
  escalationLevel: 0,
  extensionCount: 0,
  reworkCount: 0,
  returnCount: 0,
  lateStages: 0,
  handlers: [],
  closedAt: null,
  closedOnTime: null,
  rating: null,
  ...extra,
});
const indicators = { scope: '431103', open: 2 } as Indicators;
const snapshot = (seq: number, list: Incident[]): Snapshot => ({
  scope: '431103',
  seq,
  incidents: list,
  incidentsTotal: list.length,
  tasks: [],
  indicators,
  serverTime: '2026-11-30T01:00:00.000Z',
  user: { id: 'u', username: 'wall', name: '大屏', role: 'wall', scope: '431103' },
});
const delta = (seq: number, list: Incident[], scope = '431103'): Delta => ({
  scope,
  seq,
  incidents: list,
  tasks: [],
  indicators: null,
  serverTime: '2026-11-30T01:00:00.000Z',
});
const applied = (state: FeedState, d: Delta): FeedState => {
  const out = applyDelta(state, d);
  if (out.kind !== 'applied') throw new Error(`expected applied, got ${out.kind}`);
  return out.state;
};

describe('feed reducer', () => {
  it('starts from a snapshot and applies the next deltas in order', () => {
    let s = applySnapshot(snapshot(10, [incident('A'), incident('B')]));
    expect(s.seq).toBe(10);
    s = applied(s, delta(11, [incident('C')]));
    s = applied(s, delta(12, [incident('A', 'accepted', 2)]));
    expect([...s.incidents.keys()].sort()).toEqual(['A', 'B', 'C']);
    expect(s.incidents.get('A')!.stage).toBe('accepted');
    expect(s.incidentsTotal).toBe(3);
    expect(s.seq).toBe(12);
  });

  it('ignores a delta it has already applied (a replay after reconnect)', () => {
    let s = applySnapshot(snapshot(5, [incident('A')]));
    s = applied(s, delta(6, [incident('A', 'accepted', 2)]));
    expect(applyDelta(s, delta(6, [incident('A', 'accepted', 2)])).kind).toBe('duplicate');
    expect(applyDelta(s, delta(3, [incident('Z')])).kind).toBe('duplicate');
  });

  it('reports a gap instead of applying a delta out of order, so the caller resyncs', () => {
    const s = applySnapshot(snapshot(5, [incident('A')]));
    expect(applyDelta(s, delta(8, [incident('B')]))).toEqual({ kind: 'gap', expected: 6, got: 8 });
    expect(s.incidents.has('B')).toBe(false);
  });

  it('converges after a resync: the missed deltas applied in order give the same state as a fresh snapshot', () => {
    const base = applySnapshot(snapshot(1, [incident('A')]));
    const missed = [delta(2, [incident('B')]), delta(3, [incident('A', 'closed', 3)]), delta(4, [incident('C', 'accepted', 2)])];
    const replayed = missed.reduce(applied, base);
    const fresh = applySnapshot(snapshot(4, [incident('B'), incident('C', 'accepted', 2)]));
    expect([...replayed.incidents.entries()].sort()).toEqual([...fresh.incidents.entries()].sort());
    expect(replayed.seq).toBe(fresh.seq);
  });

  it('drops finished cases from the retained set and lists them as recently finished', () => {
    let s = applySnapshot(snapshot(1, [incident('A'), incident('B')]));
    s = applied(s, delta(2, [incident('A', 'closed', 5), incident('M', 'merged', 1)]));
    expect(s.incidents.has('A')).toBe(false);
    expect(s.incidentsTotal).toBe(1);
    expect(s.recentlyFinished.map((i) => i.id)).toEqual(['A']);
  });

  it('never goes back to an older version of a case', () => {
    let s = applySnapshot(snapshot(1, [incident('A', 'handling', 5)]));
    s = applied(s, delta(2, [incident('A', 'dispatched', 4)]));
    expect(s.incidents.get('A')!.stage).toBe('handling');
  });

  it('keeps the retained set bounded, dropping the least urgent first', () => {
    const many = Array.from({ length: MAX_RETAINED + 50 }, (_, i) => incident(`N${String(i).padStart(5, '0')}`));
    const red = incident('RED', 'handling', 1, { slaState: 'red' });
    const s = applied(applySnapshot(snapshot(1, many)), delta(2, [red]));
    expect(s.incidents.size).toBe(MAX_RETAINED);
    expect(s.incidents.has('RED')).toBe(true);
    expect(s.open[0]!.id).toBe('RED');
    expect(s.incidents.has(`N${String(MAX_RETAINED + 49).padStart(5, '0')}`)).toBe(false);
  });

  it('keeps the retained cases most urgent first across random deltas, as a full sort would, and the same as its map', () => {
    let seed = 7;
    const random = (n: number): number => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0), (seed >>> 8) % n);
    const OPEN: Stage[] = ['reported', 'accepted', 'dispatched', 'handling'];
    const versions = new Map<string, number>();
    const next = (id = `C${random(MAX_RETAINED + 400)}`): Incident => {
      const version = (versions.get(id) ?? 0) + 1 + random(2); // some deltas skip a version
      versions.set(id, version);
      const stage = random(12) ? OPEN[random(OPEN.length)]! : random(2) ? 'closed' : 'merged';
      return incident(id, stage, version, {
        slaState: (['ok', 'amber', 'red'] as const)[random(3)],
        priority: (['一般', '紧急', '重大'] as const)[random(3)],
        deadline: random(4) ? `2026-12-0${1 + random(9)}T0${random(10)}:00:00.000Z` : null,
      });
    };
    // more cases than the bound, and more ids in the deltas: evictions happen all along
    let s = applySnapshot(
      snapshot(
        1,
        Array.from({ length: MAX_RETAINED + 100 }, (_, k) => next(`C${k}`)),
      ),
    );
    expect(s.incidents.size).toBe(MAX_RETAINED);
    let evicting = 0;
    for (let seq = 2; seq < 80; seq++) {
      // a delta may carry a case twice, and an older version after a newer one
      const list = Array.from({ length: 1 + random(60) }, next);
      if (seq % 5 === 0) list.push({ ...list[0]!, version: list[0]!.version - 1 });
      const before = s.incidents.size;
      s = applied(s, delta(seq, list));
      if (before === MAX_RETAINED && s.incidents.size === MAX_RETAINED) evicting++;
      expect(s.open.length).toBe(s.incidents.size);
      expect(s.open).toEqual([...s.incidents.values()].sort(byUrgency));
      expect(s.incidents.size).toBeLessThanOrEqual(MAX_RETAINED);
    }
    expect(evicting).toBeGreaterThan(5);
  });

  it('merges two ordered lists stably', () => {
    const byFirst = (x: [number, string], y: [number, string]): number => x[0] - y[0];
    expect(
      mergeSorted(
        [
          [1, 'a'],
          [3, 'a'],
          [3, 'b'],
        ],
        [
          [0, 'x'],
          [3, 'x'],
          [9, 'x'],
        ],
        byFirst,
      ),
    ).toEqual([
      [0, 'x'],
      [1, 'a'],
      [3, 'a'],
      [3, 'b'],
      [3, 'x'],
      [9, 'x'],
    ]);
    expect(mergeSorted([], [[2, 'x']], byFirst)).toEqual([[2, 'x']]);
  });

  it('keeps the parts a delta does not change as the same objects (nothing redraws for them)', () => {
    let s = applySnapshot(snapshot(1, [incident('A'), incident('B')]));
    s = applied(s, delta(2, [incident('A', 'closed', 2)]));
    const { tasks, recentlyFinished, indicators: ind } = s;
    s = applied(s, delta(3, [incident('C')]));
    expect(s.tasks).toBe(tasks);
    expect(s.recentlyFinished).toBe(recentlyFinished);
    expect(s.indicators).toBe(ind);
    s = applied(s, { ...delta(4, []), tasks: [{ id: 'T1', state: 'active' } as Task] });
    expect(s.tasks).not.toBe(tasks);
    expect([...s.tasks.keys()]).toEqual(['T1']);
    expect(tasks.size).toBe(0);
  });

  it('counts open cases beyond the retained set by the server’s figure whenever it comes', () => {
    const many = Array.from({ length: MAX_RETAINED + 10 }, (_, i) => incident(`N${String(i).padStart(5, '0')}`));
    let s = applySnapshot({ ...snapshot(1, many.slice(0, MAX_RETAINED)), incidentsTotal: MAX_RETAINED + 10 });
    expect(s.incidentsTotal).toBe(MAX_RETAINED + 10);
    // A case the wall never retained moves on: it may be new or not, so it is counted until...
    s = applied(s, delta(2, [incident(`N${MAX_RETAINED + 5}`, 'accepted', 2)]));
    expect(s.incidentsTotal).toBe(MAX_RETAINED + 11);
    // ...the server's indicators for the scope say how many are open.
    s = applied(s, { ...delta(3, [incident('NEW')]), indicators: { ...indicators, open: MAX_RETAINED + 11 } });
    expect(s.incidentsTotal).toBe(MAX_RETAINED + 11);
    s = applied(s, { ...delta(4, []), indicators: { ...indicators, open: 7 } });
    expect(s.incidentsTotal).toBe(7);
  });

  it('ignores deltas of another scope', () => {
    const s = applySnapshot(snapshot(1, []));
    expect(applyDelta(s, delta(2, [incident('A')], '431103001')).kind).toBe('other-scope');
  });
});
