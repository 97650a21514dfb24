/**
 * The socket-to-store reducer, pure: a snapshot replaces the state; a delta applies only when its
 * seq is the next one (an older one is a replay and is ignored; a newer one means a gap, and the
 * caller resyncs). The retained set is bounded: open cases only, at most MAX_RETAINED, least
 * urgent dropped first. It is kept in urgency order as well, updated by merging a delta's few
 * changed cases into the previous order: a wall applies many deltas a second, and sorting all its
 * cases for each (twice: here and in the store) would be the largest share of its main thread's
 * work under a stream of changes.
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
  /** The same cases, most urgent first (`byUrgency`). */
  open: readonly Incident[];
  tasks: Map<string, Task>;
  indicators: Indicators | null;
  /**
   * Open cases in scope, retained or not. Kept by the deltas between indicator updates, and set
   * from the server's count with each: a change to a case beyond the retained set cannot tell new
   * from evicted, and was counted as new (the count only grew once a scope had more open cases than
   * the bound).
   */
  incidentsTotal: number;
  /** Cases that just finished (for the "结案" ticker), newest first, at most 20. */
  recentlyFinished: Incident[];
}

export const emptyFeed = (): FeedState => ({
  scope: null,
  seq: 0,
  incidents: new Map(),
  open: [],
  tasks: new Map(),
  indicators: null,
  incidentsTotal: 0,
  recentlyFinished: [],
});

export function applySnapshot(snapshot: Snapshot): FeedState {
  const incidents = new Map(snapshot.incidents.map((i) => [i.id, i]));
  return {
    scope: snapshot.scope,
    seq: snapshot.seq,
    incidents,
    open: bound(incidents, [...incidents.values()].sort(byUrgency)),
    tasks: new Map(snapshot.tasks.map((t) => [t.id, t])),
    indicators: snapshot.indicators,
    incidentsTotal: snapshot.incidentsTotal,
    recentlyFinished: [],
  };
}

export type DeltaOutcome =
  | { kind: 'applied'; state: FeedState; changed: Incident[] }
  | { kind: 'duplicate' }
  | { kind: 'gap'; expected: number; got: number }
  | { kind: 'other-scope' };

export function applyDelta(state: FeedState, delta: Delta): DeltaOutcome {
  if (delta.scope !== state.scope) return { kind: 'other-scope' };
  if (delta.seq <= state.seq) return { kind: 'duplicate' };
  if (delta.seq !== state.seq + 1) return { kind: 'gap', expected: state.seq + 1, got: delta.seq };
  const incidents = new Map(state.incidents);
  const finished: Incident[] = [];
  /** Cases whose retained entry this delta replaces or removes. */
  const touched = new Set<string>();
  let total = state.incidentsTotal;
  for (const i of delta.incidents) {
    const known = incidents.get(i.id);
    if (known && known.version >= i.version) continue;
    if (isOpenStage(i.stage)) {
      if (!known) total++;
      incidents.set(i.id, i);
      touched.add(i.id);
    } else {
      if (known) {
        incidents.delete(i.id);
        touched.add(i.id);
        total = Math.max(0, total - 1);
      }
      if (i.stage !== 'merged') finished.push(i);
    }
  }
  const entering = [...touched].flatMap((id) => incidents.get(id) ?? []).sort(byUrgency);
  const staying = touched.size ? state.open.filter((i) => !touched.has(i.id)) : state.open;
  const open = bound(incidents, mergeSorted(staying, entering, byUrgency));
  // Unchanged parts stay the same objects, so nothing downstream redraws for them (the map's tasks
  // layer was sent again with every delta of cases).
  const tasks = delta.tasks.length ? new Map(state.tasks) : state.tasks;
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
      incidents,
      open,
      tasks,
      indicators: delta.indicators ?? state.indicators,
      incidentsTotal: delta.indicators?.open ?? total,
      recentlyFinished: finished.length ? [...finished.reverse(), ...state.recentlyFinished].slice(0, 20) : state.recentlyFinished,
    },
  };
}

/** The first MAX_RETAINED of `ordered`; the rest also leave `map` (which holds the same cases). */
function bound(map: Map<string, Incident>, ordered: Incident[]): Incident[] {
  if (ordered.length <= MAX_RETAINED) return ordered;
  for (let k = MAX_RETAINED; k < ordered.length; k++) map.delete(ordered[k]!.id);
  return ordered.slice(0, MAX_RETAINED);
}

/**
 * `b` merged into `a`, both in `order`, ties keeping `a` first. Each of `b` finds its place by binary
 * search: O(|b| log |a|) comparisons, for a long list and a few changes.
 */
export function mergeSorted<T>(a: readonly T[], b: readonly T[], order: (x: T, y: T) => number): T[] {
  const out: T[] = [];
  let from = 0;
  for (const x of b) {
    let lo = from;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (order(a[mid]!, x) <= 0) lo = mid + 1;
      else hi = mid;
    }
    for (let i = from; i < lo; i++) out.push(a[i]!);
    out.push(x);
    from = lo;
  }
  for (let i = from; i < a.length; i++) out.push(a[i]!);
  return out;
}
