/**
 * The live feed: the only module that imports socket.io-client. It authenticates with the session
 * token, runs the pure reducer on snapshots and deltas (resyncing on a seq gap or after a
 * reconnect), and commits the result to the stores. Components never touch the socket.
 */
import { io, type Socket } from 'socket.io-client';
import type { Ack } from '@contract/errors.ts';
import type { Incident } from '@contract/incidents.ts';
import type { ClientToServerEvents, Delta, ResyncResult, ServerToClientEvents, Snapshot } from '@contract/realtime.ts';
import { applyDelta, applySnapshot, emptyFeed, type FeedState } from '../feed/reducer.ts';
import { useConnectionStore } from '../stores/connection.ts';
import { useIncidentsStore } from '../stores/incidents.ts';
import { useIndicatorsStore } from '../stores/indicators.ts';
import { useTasksStore } from '../stores/tasks.ts';

type FeedSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: FeedSocket | null = null;
let state: FeedState = emptyFeed();
let wantedScope: string | null = null;
let resyncing = false;

function commit(changed: Incident[] = []): void {
  useIncidentsStore().replace(state.incidents, state.incidentsTotal, state.recentlyFinished, changed);
  useTasksStore().replace(state.tasks);
  useIndicatorsStore().set(state.indicators);
  const conn = useConnectionStore();
  conn.scope = state.scope;
  conn.seq = state.seq;
  conn.lastMessageAt = Date.now();
}

function takeSnapshot(snapshot: Snapshot): void {
  state = applySnapshot(snapshot);
  useConnectionStore().serverOffsetMs = Date.parse(snapshot.serverTime) - Date.now();
  commit(snapshot.incidents);
}

function emitWithAck<T>(event: 'feed:subscribe' | 'feed:resync', payload: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    if (!socket) return reject(new Error('not connected'));
    (socket.timeout(10_000).emit as (e: string, p: unknown, cb: (err: Error | null, r: Ack<T>) => void) => void)(event, payload, (err, result) => {
      if (err) reject(err);
      else if (result.ok) resolve(result.data);
      else reject(new Error(result.error.message));
    });
  });
}

async function resync(): Promise<void> {
  if (resyncing || !state.scope) return;
  resyncing = true;
  useConnectionStore().resyncs++;
  try {
    const result = await emitWithAck<ResyncResult>('feed:resync', { scope: state.scope, fromSeq: state.seq });
    if (result.kind === 'snapshot') takeSnapshot(result.snapshot);
    else for (const d of result.deltas) onDelta(d, false);
  } finally {
    resyncing = false;
  }
}

function onDelta(delta: Delta, mayResync = true): void {
  const outcome = applyDelta(state, delta);
  if (outcome.kind === 'applied') {
    state = outcome.state;
    commit(outcome.changed);
  } else if (outcome.kind === 'gap' && mayResync) {
    void resync();
  }
}

/** Connects the feed for the signed-in user; narrows it to `scope` when given. */
export function connectFeed(token: string, scope: string | null = null): void {
  disconnectFeed();
  wantedScope = scope;
  const conn = useConnectionStore();
  conn.status = 'connecting';
  socket = io({ auth: { token }, transports: ['websocket'], reconnectionDelay: 1000, reconnectionDelayMax: 10_000 });
  socket.on('connect', () => {
    conn.status = 'live';
    // A recovered session keeps its room and replays what it missed; otherwise the server sends a
    // snapshot of the user's scope, and a narrower view asks for its own again.
    if (socket?.recovered) void resync();
  });
  socket.on('feed:reset', (snapshot) => {
    takeSnapshot(snapshot);
    if (wantedScope && wantedScope !== snapshot.scope) void subscribeFeed(wantedScope);
  });
  socket.on('feed:changed', (delta) => onDelta(delta));
  socket.on('disconnect', (reason) => {
    conn.status = 'reconnecting';
    // Socket.IO does not retry by itself when the server closed the connection (a restart's
    // shutdown, an overloaded node shedding clients): the wall must, so it retries after a pause.
    if (reason === 'io server disconnect') setTimeout(() => socket?.connect(), 1000 + Math.random() * 2000);
  });
  socket.io.on('reconnect_failed', () => {
    conn.status = 'offline';
  });
  socket.on('connect_error', (err) => {
    conn.status = err.message === 'unauthenticated' ? 'offline' : 'reconnecting';
  });
}

/** Narrows (or widens) the feed to a scope within the user's own; resolves with its snapshot. */
export async function subscribeFeed(scope: string): Promise<void> {
  wantedScope = scope;
  if (!socket?.connected || state.scope === scope) return;
  takeSnapshot(await emitWithAck<Snapshot>('feed:subscribe', { scope }));
}

export function disconnectFeed(): void {
  socket?.disconnect();
  socket = null;
  state = emptyFeed();
}
