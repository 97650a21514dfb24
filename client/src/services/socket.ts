/**
 * The live feed in the app: the only module that imports socket.io-client. It runs the FeedClient
 * protocol and commits each state to the Pinia stores; components never touch the socket.
 */
import { io } from 'socket.io-client';
import type { Incident } from '@contract/incidents.ts';
import type { Delta } from '@contract/realtime.ts';
import { FeedClient, type FeedSocket } from '../feed/feed-client.ts';
import type { FeedState } from '../feed/reducer.ts';
import { useConnectionStore } from '../stores/connection.ts';
import { exposeForTests } from '../test-hooks.ts';
import { currentToken, expireSession } from './api.ts';
import { useIncidentsStore } from '../stores/incidents.ts';
import { useIndicatorsStore } from '../stores/indicators.ts';
import { useTasksStore } from '../stores/tasks.ts';

let feed: FeedClient | null = null;

function commit(state: FeedState, changed: Incident[], snapshotTime: string | null): void {
  const conn = useConnectionStore();
  if (snapshotTime) conn.serverOffsetMs = Date.parse(snapshotTime) - Date.now();
  useIncidentsStore().replace(state.incidents, state.open, state.incidentsTotal, state.recentlyFinished, changed);
  useTasksStore().replace(state.tasks);
  useIndicatorsStore().set(state.indicators);
  conn.scope = state.scope;
  conn.seq = state.seq;
}

/** Connects the feed for the signed-in user; narrows it to `scope` when given. */
export function connectFeed(token: string, scope: string | null = null): void {
  disconnectFeed();
  const conn = useConnectionStore();
  conn.status = 'connecting';
  // The token is read at each (re)connection: after the session is renewed the feed uses the new one.
  const socket: FeedSocket = io({
    auth: (cb) => cb({ token: currentToken() ?? token }),
    transports: ['websocket'],
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10_000,
  });
  feed = new FeedClient(
    socket,
    {
      commit: (state, changed, snapshot) => commit(state, changed, snapshot?.serverTime ?? null),
      status: (status) => (conn.status = status),
      sessionExpired() {
        // The wall signs itself in again with its kiosk key, anyone else is sent to sign in; a
        // refused handshake is not retried by Socket.IO, so the feed tries again once renewed.
        expireSession();
        setTimeout(() => currentToken() && !socket.connected && socket.connect(), 2000);
      },
    },
    scope,
  );
  // For bench/client.ts: feed deltas through the real path, read the state.
  exposeForTests('__lstFeed', { receive: (d: Delta) => feed?.receive(d), state: () => feed?.current });
}

/** Narrows (or widens) the feed to a scope within the user's own. */
export async function subscribeFeed(scope: string): Promise<void> {
  await feed?.subscribe(scope);
}

export function disconnectFeed(): void {
  feed?.close();
  feed = null;
}
