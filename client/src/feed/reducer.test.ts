import { describe, expect, it } from 'vitest';
import type { Incident, Stage } from '@contract/incidents.ts';
import type { Delta, Snapshot } from '@contract/realtime.ts';
import type { Indicators } from '@contract/indicators.ts';
import { applyDelta, applySnapshot, MAX_RETAINED, type FeedState } from './reducer.ts';

const incident = (id: string, stage: Stage = 'reported', version = 1, extra: Partial<Incident> = {}): Incident => ({
  id, class: '市容环境', priority: '一般', source: '12345热线', stage, description: '', address: '', lng: 111.6, lat: 26.44, gridCode: '431103003004001',
  communityCode: '431103003004', streetCode: '431103003', needsManualLocation: false, suggestedAssignee: null, assignee: null, reporterName: '', reporterPhone: '',
  photoUrl: null, duplicateOf: null, duplicateCount: 0, version, createdAt: '2026-11-30T01:00:00.000Z', updatedAt: '2026-11-30T01:00:00.000Z',
  stageEnteredAt: '2026-11-30T01:00:00.000Z', deadline: null, slaState: 'ok', supervised: false, escalationLevel: 0, extensionCount: 0, reworkCount: 0,
  returnCount: 0, lateStages: 0, handlers: [], closedAt: null, closedOnTime: null, rating: null, ...extra,
});
const indicators = { scope: '431103', open: 2 } as Indicators;
const snapshot = (seq: number, list: Incident[]): Snapshot => ({
  scope: '431103', seq, incidents: list, incidentsTotal: list.length, tasks: [], indicators, serverTime: '2026-11-30T01:00:00.000Z',
  user: { id: 'u', username: 'wall', name: '大屏', role: 'wall', scope: '431103' },
});
const delta = (seq: number, list: Incident[], scope = '431103'): Delta => ({ scope, seq, incidents: list, tasks: [], indicators: null, serverTime: '2026-11-30T01:00:00.000Z' });
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
  });

  it('ignores deltas of another scope', () => {
    const s = applySnapshot(snapshot(1, []));
    expect(applyDelta(s, delta(2, [incident('A')], '431103001')).kind).toBe('other-scope');
  });
});
