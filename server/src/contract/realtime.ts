/**
 * The real-time protocol (docs/design.md §3): on connect a `feed:reset` snapshot with a sequence number,
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

/**
 * The wire form of incidents in snapshots and deltas: an array of values in INCIDENT_FIELDS order
 * instead of an object with keys: the field names are most of an incident's JSON, so every client
 * reads and parses far less (bench/fanout.ts measures the feed). REST answers stay objects.
 */
export type IncidentRow = unknown[];
export const INCIDENT_FIELDS = [
  'id',
  'class',
  'priority',
  'source',
  'stage',
  'description',
  'address',
  'lng',
  'lat',
  'gridCode',
  'communityCode',
  'streetCode',
  'needsManualLocation',
  'suggestedAssignee',
  'assignee',
  'reporterName',
  'reporterPhone',
  'photoUrl',
  'duplicateOf',
  'duplicateCount',
  'version',
  'createdAt',
  'updatedAt',
  'stageEnteredAt',
  'deadline',
  'slaState',
  'supervised',
  'escalationLevel',
  'extensionCount',
  'reworkCount',
  'returnCount',
  'lateStages',
  'handlers',
  'closedAt',
  'closedOnTime',
  'rating',
] as const satisfies readonly (keyof Incident)[];
// Every field of Incident is on the wire: this fails to compile when one is added and not listed.
const allFields: Exclude<keyof Incident, (typeof INCIDENT_FIELDS)[number]> extends never ? true : never = true;
void allFields;

export const packIncident = (incident: Incident): IncidentRow => INCIDENT_FIELDS.map((field) => incident[field]);
export function unpackIncident(row: IncidentRow): Incident {
  const incident: Record<string, unknown> = {};
  for (let i = 0; i < INCIDENT_FIELDS.length; i++) incident[INCIDENT_FIELDS[i]!] = row[i];
  return incident as unknown as Incident;
}

type Wire<T extends { incidents: Incident[] }> = Omit<T, 'incidents'> & { incidents: IncidentRow[] };
export type WireDelta = Wire<Delta>;
export type WireSnapshot = Wire<Snapshot>;
export type WireResyncResult = { kind: 'deltas'; deltas: WireDelta[] } | { kind: 'snapshot'; snapshot: WireSnapshot };

export const encodeDelta = (delta: Delta): WireDelta => ({ ...delta, incidents: delta.incidents.map(packIncident) });
export const decodeDelta = (wire: WireDelta): Delta => ({ ...wire, incidents: wire.incidents.map(unpackIncident) });
export const encodeSnapshot = (snapshot: Snapshot): WireSnapshot => ({ ...snapshot, incidents: snapshot.incidents.map(packIncident) });
export const decodeSnapshot = (wire: WireSnapshot): Snapshot => ({ ...wire, incidents: wire.incidents.map(unpackIncident) });
export const decodeResync = (wire: WireResyncResult): ResyncResult =>
  wire.kind === 'snapshot'
    ? { kind: 'snapshot', snapshot: decodeSnapshot(wire.snapshot) }
    : { kind: 'deltas', deltas: wire.deltas.map(decodeDelta) };

export interface ServerToClientEvents {
  /**
   * A snapshot, sent with an acknowledgement the client answers on receipt: Socket.IO keeps no
   * acknowledged packet for connection-state recovery, so a snapshot is not held in memory after it left.
   */
  'feed:reset': (snapshot: WireSnapshot, received: () => void) => void;
  'feed:changed': (delta: WireDelta) => void;
  /** The token this socket signed in with has expired: the server disconnects it; sign in again. */
  'session:expired': () => void;
}

export interface ClientToServerEvents {
  /** Narrow (or widen, within your scope) the feed to a street, community or grid. */
  'feed:subscribe': (payload: { scope: string }, ack: (result: Ack<WireSnapshot>) => void) => void;
  'feed:resync': (payload: { scope: string; fromSeq: number }, ack: (result: Ack<WireResyncResult>) => void) => void;
  'incident:report': (payload: { idempotencyKey: string; report: unknown }, ack: (result: Ack<Incident>) => void) => void;
  'incident:act': (payload: { id: string; action: unknown }, ack: (result: Ack<Incident>) => void) => void;
}

export interface SocketData {
  user: User;
  scope: string;
  /** When the socket's token expires (ms since the epoch): the socket is disconnected then. */
  expiresAt: number;
}
