/**
 * The real-time protocol (DESIGN.md §3): on connect a `feed:reset` snapshot with a sequence number,
 * then `feed:changed` deltas each carrying the next seq of that scope. A client that sees a gap, or
 * reconnects, sends `feed:resync` with its last seq and gets the missed deltas or a fresh snapshot.
 * Commands are `domain:verb` with an ack; facts are `domain:past-tense`.
 */
import type { User } from './auth.ts';
import type { Ack } from './errors.ts';
import type { Incident } from './incidents.ts';
import type { Indicators } from './indicators.ts';
import type { Task } from './tasks.ts';

/** At most this many open cases go into a snapshot (most urgent first); the total is reported. */
export const SNAPSHOT_INCIDENT_LIMIT = 1000;
export const SNAPSHOT_TASK_LIMIT = 500;

export interface Snapshot {
  scope: string;
  seq: number;
  incidents: Incident[];
  incidentsTotal: number;
  tasks: Task[];
  indicators: Indicators;
  serverTime: string;
  user: User;
}

export interface Delta {
  scope: string;
  seq: number;
  /** Cases that changed since the previous delta, latest state; finished ones are included once. */
  incidents: Incident[];
  tasks: Task[];
  /** Present when the scope's indicators changed. */
  indicators: Indicators | null;
  serverTime: string;
}

export type ResyncResult = { kind: 'deltas'; deltas: Delta[] } | { kind: 'snapshot'; snapshot: Snapshot };

export interface ServerToClientEvents {
  'feed:reset': (snapshot: Snapshot) => void;
  'feed:changed': (delta: Delta) => void;
}

export interface ClientToServerEvents {
  /** Narrow (or widen, within your scope) the feed to a street, community or grid. */
  'feed:subscribe': (payload: { scope: string }, ack: (result: Ack<Snapshot>) => void) => void;
  'feed:resync': (payload: { scope: string; fromSeq: number }, ack: (result: Ack<ResyncResult>) => void) => void;
  'incident:report': (payload: { idempotencyKey: string; report: unknown }, ack: (result: Ack<Incident>) => void) => void;
  'incident:act': (payload: { id: string; action: unknown }, ack: (result: Ack<Incident>) => void) => void;
}

export interface SocketData {
  user: User;
  scope: string;
}
