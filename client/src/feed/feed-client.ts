/**
 * The live-feed protocol on the client, free of Vue and Pinia so that it runs in the browser and
 * in Node tests alike: snapshot on connect, seq-checked deltas, resync on a gap or after a
 * recovered reconnect, retry after a server-initiated disconnect. The caller commits the state.
 */
import type { Socket } from 'socket.io-client';
import type { Ack } from '@contract/errors.ts';
import type { Incident } from '@contract/incidents.ts';
import {
  decodeDelta,
  decodeResync,
  decodeSnapshot,
  type ClientToServerEvents,
  type Delta,
  type ServerToClientEvents,
  type Snapshot,
  type WireResyncResult,
  type WireSnapshot,
} from '@contract/realtime.ts';
import { applyDelta, applySnapshot, emptyFeed, type FeedState } from './reducer.ts';

export type FeedSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type LinkStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface FeedCallbacks {
  commit(state: FeedState, changed: Incident[], snapshot: Snapshot | null): void;
  status(status: LinkStatus): void;
  /** The server ended the session (its token expired) or refused the token: sign in again, then reconnect. */
  sessionExpired?(): void;
}

export interface FeedStats {
  snapshots: number;
  applied: number;
  duplicates: number;
  gaps: number;
  resyncs: number;
}

export class FeedClient {
  private state: FeedState = emptyFeed();
  private wanted: string | null;
  private resyncing = false;
  readonly stats: FeedStats = { snapshots: 0, applied: 0, duplicates: 0, gaps: 0, resyncs: 0 };

  constructor(
    private readonly socket: FeedSocket,
    private readonly on: FeedCallbacks,
    scope: string | null = null,
  ) {
    this.wanted = scope;
    socket.on('connect', () => {
      on.status('live');
      // A recovered session keeps its room and replays what it missed; otherwise the server sends
      // a snapshot of the user's scope, and a narrower view asks for its own again.
      if (socket.recovered) void this.resync();
    });
    socket.on('feed:reset', (wire, received) => {
      received?.(); // frees the server of it (snapshots are acknowledged, not kept for recovery)
      const snapshot = decodeSnapshot(wire);
      this.takeSnapshot(snapshot);
      if (this.wanted && this.wanted !== snapshot.scope) void this.subscribe(this.wanted);
    });
    socket.on('feed:changed', (delta) => this.onDelta(decodeDelta(delta)));
    socket.on('disconnect', (reason) => {
      on.status('reconnecting');
      // Socket.IO does not retry by itself when the server closed the connection (a shutdown, a
      // node shedding clients): a wall must, so it retries after a short, jittered pause.
      if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 1000 + Math.random() * 2000);
    });
    socket.io.on('reconnect_failed', () => on.status('offline'));
    socket.on('session:expired', () => on.sessionExpired?.());
    socket.on('connect_error', (err) => {
      on.status(err.message === 'unauthenticated' ? 'offline' : 'reconnecting');
      if (err.message === 'unauthenticated') on.sessionExpired?.();
    });
  }

  get current(): FeedState {
    return this.state;
  }

  /** Narrows (or widens) the feed to a scope within the user's own. */
  async subscribe(scope: string): Promise<void> {
    this.wanted = scope;
    if (!this.socket.connected || this.state.scope === scope) return;
    this.takeSnapshot(decodeSnapshot(await this.request<WireSnapshot>('feed:subscribe', { scope })));
  }

  close(): void {
    this.socket.disconnect();
  }

  /** Applies a delta exactly as one from the socket (the client benchmark feeds the app this way). */
  receive(delta: Delta): void {
    this.onDelta(delta);
  }

  private takeSnapshot(snapshot: Snapshot): void {
    this.state = applySnapshot(snapshot);
    this.stats.snapshots++;
    this.on.commit(this.state, snapshot.incidents, snapshot);
  }

  private onDelta(delta: Delta, mayResync = true): void {
    const outcome = applyDelta(this.state, delta);
    if (outcome.kind === 'applied') {
      this.state = outcome.state;
      this.stats.applied++;
      this.on.commit(this.state, outcome.changed, null);
    } else if (outcome.kind === 'duplicate') {
      this.stats.duplicates++;
    } else if (outcome.kind === 'gap') {
      this.stats.gaps++;
      if (mayResync) void this.resync();
    }
  }

  private async resync(): Promise<void> {
    if (this.resyncing || !this.state.scope) return;
    this.resyncing = true;
    this.stats.resyncs++;
    try {
      const result = decodeResync(
        await this.request<WireResyncResult>('feed:resync', { scope: this.state.scope, fromSeq: this.state.seq }),
      );
      if (result.kind === 'snapshot') this.takeSnapshot(result.snapshot);
      else for (const d of result.deltas) this.onDelta(d, false);
    } catch {
      // The connection went away mid-request: the next connect brings a snapshot or a resync.
    } finally {
      this.resyncing = false;
    }
  }

  private request<T>(event: 'feed:subscribe' | 'feed:resync', payload: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      (this.socket.timeout(10_000).emit as (e: string, p: unknown, cb: (err: Error | null, r: Ack<T>) => void) => void)(
        event,
        payload,
        (err, result) => {
          if (err) reject(err);
          else if (result.ok) resolve(result.data);
          else reject(new Error(result.error.message));
        },
      );
    });
  }
}
