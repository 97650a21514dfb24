/**
 * Coalescing broadcaster: changes are collected per scope and sent as one delta per room, with that
 * scope's next sequence number. The first change after a quiet spell goes out on the next turn of
 * the event loop (after the commits of this turn); under a steady stream deltas go out at most once
 * per tick, so a client gets ≤ 1000/tickMs messages a second however many cases change. Each scope
 * has two rooms, unmasked (`u:CODE`) and masked (`m:CODE`, the wall), fed the same deltas. Recent
 * deltas are kept for resync. A periodic tick also sends the indicator heartbeat.
 */
import type { Server } from 'socket.io';
import { DISTRICT_CODE } from '../contract/geo.ts';
import type { Incident } from '../contract/incidents.ts';
import type { Indicators } from '../contract/indicators.ts';
import {
  encodeDelta,
  type ClientToServerEvents,
  type Delta,
  type ServerToClientEvents,
  type SocketData,
  type WireDelta,
} from '../contract/realtime.ts';
import type { Task } from '../contract/tasks.ts';
import { maskIncident } from '../domain/masking.ts';
import type { Clock } from '../domain/clock.ts';

export type TypedServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export const roomOf = (scope: string, masked: boolean): string => `${masked ? 'm' : 'u'}:${scope}`;

/** The scopes a change in this grid is visible in: district, street, community, grid. */
function scopesOf(gridCode: string | null): string[] {
  if (!gridCode) return [DISTRICT_CODE];
  return [DISTRICT_CODE, gridCode.slice(0, 9), gridCode.slice(0, 12), gridCode];
}

/** A case is seen where it lies and, when a grid branch elsewhere handles it, by that grid's scopes too. */
function scopesOfCase(incident: Incident): string[] {
  const assigned = incident.assignee?.kind === 'branch' ? incident.assignee.id.slice(1) : null;
  const place = scopesOf(incident.gridCode);
  return assigned && assigned !== incident.gridCode ? [...new Set([...place, ...scopesOf(assigned)])] : place;
}

interface ScopeState {
  seq: number;
  incidents: Map<string, Incident>;
  tasks: Map<string, Task>;
  dirty: boolean;
  lastIndicatorsAt: number;
  /** Recent deltas as sent (wire form), for resync. */
  recent: { seq: number; delta: WireDelta; masked: WireDelta }[];
}

export interface BroadcasterOptions {
  io: TypedServer;
  clock: Clock;
  tickMs: number;
  indicatorsEveryMs: number;
  historySize: number;
  indicatorsFor(scope: string): Indicators;
  invalidateIndicators(scope: string): void;
  onDelivered?(deltas: number, items: number): void;
}

export type Broadcaster = ReturnType<typeof createBroadcaster>;

export function createBroadcaster(options: BroadcasterOptions) {
  const { io } = options;
  const scopes = new Map<string, ScopeState>();
  const state = (scope: string): ScopeState => {
    let s = scopes.get(scope);
    if (!s) scopes.set(scope, (s = { seq: 0, incidents: new Map(), tasks: new Map(), dirty: false, lastIndicatorsAt: 0, recent: [] }));
    return s;
  };
  const watched = (scope: string): boolean => {
    const rooms = io.sockets.adapter.rooms;
    return (rooms.get(roomOf(scope, false))?.size ?? 0) + (rooms.get(roomOf(scope, true))?.size ?? 0) > 0;
  };

  let lastFlushAt = -Infinity; // performance.now() of the last flush
  let scheduled: NodeJS.Timeout | null = null;
  /** Sends pending changes as soon as the tick allows: now-ish after a quiet spell, else at lastFlush + tick. */
  const schedule = (): void => {
    if (scheduled) return;
    const wait = Math.max(0, lastFlushAt + options.tickMs - performance.now());
    scheduled = setTimeout(tick, wait);
    scheduled.unref();
  };

  const tick = (): void => {
    if (scheduled) clearTimeout(scheduled);
    scheduled = null;
    lastFlushAt = performance.now();
    const now = options.clock.now();
    for (const [scope, s] of scopes) {
      if (!watched(scope)) {
        s.incidents.clear();
        s.tasks.clear();
        continue;
      }
      // Indicators go out when something changed, and at least every 5 periods as a heartbeat
      // (time-based figures move on; clients show a panel as stale when this stops).
      const since = now.getTime() - s.lastIndicatorsAt;
      const indicatorsDue = (s.dirty && since >= options.indicatorsEveryMs) || since >= 5 * options.indicatorsEveryMs;
      if (s.incidents.size === 0 && s.tasks.size === 0 && !indicatorsDue) continue;
      let indicators: Indicators | null = null;
      if (indicatorsDue) {
        options.invalidateIndicators(scope);
        indicators = options.indicatorsFor(scope);
        s.dirty = false;
        s.lastIndicatorsAt = now.getTime();
      }
      s.seq++;
      const incidents = [...s.incidents.values()];
      const delta: Delta = { scope, seq: s.seq, incidents, tasks: [...s.tasks.values()], indicators, serverTime: now.toISOString() };
      const wire = encodeDelta(delta);
      const masked = encodeDelta({ ...delta, incidents: incidents.map(maskIncident) });
      s.incidents.clear();
      s.tasks.clear();
      s.recent.push({ seq: s.seq, delta: wire, masked });
      if (s.recent.length > options.historySize) s.recent.shift();
      io.to(roomOf(scope, false)).emit('feed:changed', wire);
      io.to(roomOf(scope, true)).emit('feed:changed', masked);
      options.onDelivered?.(1, delta.incidents.length + delta.tasks.length);
    }
  };
  const timer = setInterval(tick, options.tickMs);
  timer.unref();

  return {
    incidentChanged(incident: Incident): void {
      for (const scope of scopesOfCase(incident)) {
        const s = state(scope);
        s.incidents.set(incident.id, incident);
        s.dirty = true;
      }
      schedule();
    },
    taskChanged(task: Task): void {
      for (const scope of scopesOf(task.gridCode)) {
        const s = state(scope);
        s.tasks.set(task.id, task);
        s.dirty = true;
      }
      schedule();
    },
    /** The scope's current sequence number (a snapshot carries it). */
    seqOf(scope: string): number {
      return state(scope).seq;
    },
    /** Deltas after `fromSeq`, or null when they are no longer kept (the client needs a snapshot). */
    since(scope: string, fromSeq: number, masked: boolean): WireDelta[] | null {
      const s = state(scope);
      if (fromSeq > s.seq || fromSeq < 0) return null;
      if (fromSeq === s.seq) return [];
      const first = s.recent[0];
      if (!first || first.seq > fromSeq + 1) return null;
      return s.recent.filter((r) => r.seq > fromSeq).map((r) => (masked ? r.masked : r.delta));
    },
    /** Sends everything pending now (tests, shutdown). */
    flush: tick,
    close(): void {
      clearInterval(timer);
      if (scheduled) clearTimeout(scheduled);
    },
  };
}
