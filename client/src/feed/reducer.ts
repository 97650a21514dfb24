/**
 * The socket-to-store reducer, pure: a snapshot replaces the state; a delta applies only when its
 * seq is the next one (an older one is a replay and is ignored; a newer one means a gap, and the
 * caller resyncs). The retained set is bounded: open cases only, at most MAX_RETAINED, least
 * urgent dropped first.
 */
import type { Incident } from '@contract/incidents.ts';
import { byUrgency, isOpenStage } from '@contract/incidents.ts';
import type { Indicators } from '@contract/indicators.ts';
import type { Delta, Snapshot } from '@contract/realtime.ts';
import type { Task } from '@contract/tasks.ts';

export const MAX_RETAINED = 2000;

export interface FeedState {
  scope: string | null;
  seq: number;
  incidents: Map<string, Incident>;
  tasks: Map<string, Task>;
  indicators: Indicators | null;
  incidentsTotal: number;
  /** Cases that just finished (for the "结案" ticker), newest first, at most 20. */
  recentlyFinished: Incident[];
}

export const emptyFeed = (): FeedState => ({
  scope: null, seq: 0, incidents: new Map(), tasks: new Map(), indicators: null, incidentsTotal: 0, recentlyFinished: [],
});

export function applySnapshot(snapshot: Snapshot): FeedState {
  return {
    scope: snapshot.scope,
    seq: snapshot.seq,
    incidents: bound(new Map(snapshot.incidents.map((i) => [i.id, i]))),
    tasks: new Map(snapshot.tasks.map((t) => [t.id, t])),
    indicators: snapshot.indicators,
    incidentsTotal: snapshot.incidentsTotal,
    recentlyFinished: [],
  };
}

export type DeltaOutcome = { kind: 'applied'; state: FeedState; changed: Incident[] } | { kind: 'duplicate' } | { kind: 'gap'; expected: number; got: number } | { kind: 'other-scope' };

export function applyDelta(state: FeedState, delta: Delta): DeltaOutcome {
  if (delta.scope !== state.scope) return { kind: 'other-scope' };
  if (delta.seq <= state.seq) return { kind: 'duplicate' };
  if (delta.seq !== state.seq + 1) return { kind: 'gap', expected: state.seq + 1, got: delta.seq };
  const incidents = new Map(state.incidents);
  const finished: Incident[] = [];
  let total = state.incidentsTotal;
  for (const i of delta.incidents) {
    const known = incidents.get(i.id);
    if (known && known.version >= i.version) continue;
    if (isOpenStage(i.stage)) {
      if (!known) total++;
      incidents.set(i.id, i);
    } else {
      if (known) {
        incidents.delete(i.id);
        total = Math.max(0, total - 1);
      }
      if (i.stage !== 'merged') finished.push(i);
    }
  }
  const tasks = new Map(state.tasks);
  for (const t of delta.tasks) {
    if (t.state === 'planned' || t.state === 'active') tasks.set(t.id, t);
    else tasks.delete(t.id);
  }
  return {
    kind: 'applied',
    changed: delta.incidents,
    state: {
      scope: state.scope,
      seq: delta.seq,
      incidents: bound(incidents),
      tasks,
      indicators: delta.indicators ?? state.indicators,
      incidentsTotal: total,
      recentlyFinished: [...finished.reverse(), ...state.recentlyFinished].slice(0, 20),
    },
  };
}

function bound(map: Map<string, Incident>): Map<string, Incident> {
  if (map.size <= MAX_RETAINED) return map;
  const kept = [...map.values()].sort(byUrgency).slice(0, MAX_RETAINED);
  return new Map(kept.map((i) => [i.id, i]));
}
