/**
 * Socket handlers: the handshake authenticates with a bearer token; the socket joins its scope's
 * room (masked for the wall) and gets a snapshot; commands subscribe, resync, report and act, each
 * validated and answered with an ack `{ ok, data } | { ok: false, error }`.
 */
import type { Socket } from 'socket.io';
import { z } from 'zod';
import { scopeCode } from '../contract/inputs.ts';
import type { User } from '../contract/auth.ts';
import { DomainError, type Ack } from '../contract/errors.ts';
import {
  encodeSnapshot,
  SNAPSHOT_INCIDENT_LIMIT,
  SNAPSHOT_TASK_LIMIT,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SocketData,
  type WireSnapshot,
} from '../contract/realtime.ts';
import type { Geography } from '../domain/geography.ts';
import { maskIncident } from '../domain/masking.ts';
import { inScope } from '../contract/geo.ts';
import type { TokenService } from '../security.ts';
import type { IncidentService } from '../services/incidents.ts';
import type { Clock } from '../domain/clock.ts';
import type { IndicatorService } from '../services/indicators.ts';
import type { TaskService } from '../services/tasks.ts';
import { createTokenBucket } from '../domain/token-bucket.ts';
import { parseInput } from '../services/validation.ts';
import type { UserRepository } from '../store/users-repo.ts';
import { roomOf, type Broadcaster, type TypedServer } from './broadcaster.ts';

type TypedSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface FeedDeps {
  tokens: TokenService;
  users: UserRepository;
  geography: Geography;
  incidents: IncidentService;
  tasks: TaskService;
  indicators: IndicatorService;
  broadcaster: Broadcaster;
  clock: Clock;
  logError(error: unknown, context: string): void;
  /** Connections one account may hold at once. */
  socketsPerUser: number;
  /** Bytes queued to send past which a socket is dropped (it stopped reading). */
  socketBufferMaxBytes: number;
}

/** Commands a socket may send: a burst of 40, then 20 a second; snapshots (a new scope, a resync from far back) 3 in 10 s. */
const COMMANDS = { capacity: 40, perSecond: 20 };
const SNAPSHOTS = { capacity: 3, perSecond: 0.3 };

/** Bytes a socket has queued to send: Engine.IO's own buffer and, on a WebSocket, what the kernel has not taken. */
function queuedBytes(socket: TypedSocket): number {
  const conn = socket.conn as unknown as { writeBuffer: { data?: unknown }[]; transport: { socket?: { bufferedAmount?: number } } };
  const pending = conn.writeBuffer.reduce((n, p) => n + (typeof p.data === 'string' ? p.data.length : 0), 0);
  return pending + (conn.transport.socket?.bufferedAmount ?? 0);
}

const scopeSchema = z.object({ scope: scopeCode }).strict();
const resyncSchema = z.object({ scope: scopeCode, fromSeq: z.number().int().min(0) }).strict();
const reportSchema = z.object({ idempotencyKey: z.string(), report: z.unknown() }).strict();
const actSchema = z.object({ id: z.string().min(1).max(40), action: z.unknown() }).strict();

const isMasked = (user: User): boolean => user.role === 'wall';

export interface Feed {
  /** Disconnects every socket whose token has expired, telling it first (`session:expired`). */
  expireSessions(): number;
  /** Drops every socket with more than the bound queued to send: it stopped reading, and would hold that memory. */
  shedSlowConsumers(): number;
}

export function registerFeed(io: TypedServer, deps: FeedDeps): Feed {
  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const claims = typeof token === 'string' ? deps.tokens.verify(token, deps.clock.now()) : null;
    const user = claims ? deps.users.byId(claims.sub) : undefined;
    if (!user) return next(new Error('unauthenticated'));
    let held = 0;
    for (const s of io.sockets.sockets.values()) if (s.data.user?.id === user.id) held++;
    if (held >= deps.socketsPerUser) return next(new Error('too-many-connections'));
    const { passwordHash: _, ...plain } = user;
    socket.data.user = plain;
    socket.data.scope = plain.scope;
    socket.data.expiresAt = claims!.exp * 1000;
    next();
  });

  const snapshot = (scope: string, user: User): WireSnapshot => {
    const open = deps.incidents.openIn(scope, SNAPSHOT_INCIDENT_LIMIT);
    return encodeSnapshot({
      scope,
      seq: deps.broadcaster.seqOf(scope),
      incidents: isMasked(user) ? open.items.map(maskIncident) : open.items,
      incidentsTotal: open.total,
      tasks: deps.tasks.activeIn(scope, SNAPSHOT_TASK_LIMIT),
      indicators: deps.indicators.forScope(scope),
      serverTime: deps.clock.now().toISOString(),
      user,
    });
  };
  const checkScope = (user: User, scope: string): void => {
    const unit = deps.geography.unit(scope);
    if (!unit || !['district', 'street', 'community', 'grid'].includes(unit.properties.level))
      throw new DomainError('not-found', `没有范围 ${scope}`);
    if (!inScope(user.scope, scope)) throw new DomainError('forbidden', `范围 ${scope} 不在您的管辖范围 ${user.scope} 内`);
  };
  const move = (socket: TypedSocket, scope: string): void => {
    const user = socket.data.user;
    socket.leave(roomOf(socket.data.scope, isMasked(user)));
    socket.data.scope = scope;
    socket.join(roomOf(scope, isMasked(user)));
  };

  io.on('connection', (socket: TypedSocket) => {
    const user = socket.data.user;
    if (!socket.recovered) {
      socket.join(roomOf(socket.data.scope, isMasked(user)));
      socket.emit('feed:reset', snapshot(socket.data.scope, user), () => undefined);
    }
    const commands = createTokenBucket(COMMANDS.capacity, COMMANDS.perSecond);
    const snapshots = createTokenBucket(SNAPSHOTS.capacity, SNAPSHOTS.perSecond);
    /** A snapshot costs far more than a command: a client asking for one again and again is slowed down. */
    const snapshotAllowed = (): void => {
      if (!snapshots.take(Date.now())) throw new DomainError('rate-limited', '请求全量数据过于频繁，请几秒后再试');
    };
    const handle =
      <T>(run: () => T | Promise<T>) =>
      async (ack: unknown): Promise<void> => {
        if (typeof ack !== 'function') return;
        const reply = ack as (result: Ack<T>) => void;
        try {
          if (!commands.take(Date.now())) throw new DomainError('rate-limited', '操作过于频繁，请稍候');
          if (!deps.tokens.verify((socket.handshake.auth as { token: string }).token, deps.clock.now())) {
            throw new DomainError('unauthenticated', '登录已过期，请重新登录');
          }
          reply({ ok: true, data: await run() });
        } catch (error) {
          if (error instanceof DomainError) reply({ ok: false, error: error.toApiError() });
          else {
            deps.logError(error, 'socket command');
            reply({ ok: false, error: { code: 'internal', message: 'internal error' } });
          }
        }
      };
    socket.on(
      'feed:subscribe',
      (payload, ack) =>
        void handle(() => {
          const { scope } = parseInput(scopeSchema, payload);
          checkScope(user, scope);
          snapshotAllowed();
          move(socket, scope);
          return snapshot(scope, user);
        })(ack),
    );
    socket.on(
      'feed:resync',
      (payload, ack) =>
        void handle(() => {
          const { scope, fromSeq } = parseInput(resyncSchema, payload);
          checkScope(user, scope);
          if (scope !== socket.data.scope) move(socket, scope);
          const deltas = deps.broadcaster.since(scope, fromSeq, isMasked(user));
          if (deltas) return { kind: 'deltas' as const, deltas };
          snapshotAllowed();
          return { kind: 'snapshot' as const, snapshot: snapshot(scope, user) };
        })(ack),
    );
    socket.on(
      'incident:report',
      (payload, ack) =>
        void handle(async () => {
          const { idempotencyKey, report } = parseInput(reportSchema, payload);
          return (await deps.incidents.report(report, user, idempotencyKey)).incident;
        })(ack),
    );
    socket.on(
      'incident:act',
      (payload, ack) =>
        void handle(async () => {
          const { id, action } = parseInput(actSchema, payload);
          return deps.incidents.act(id, action, user);
        })(ack),
    );
  });
  return {
    shedSlowConsumers() {
      let shed = 0;
      for (const socket of io.sockets.sockets.values()) {
        if (queuedBytes(socket) <= deps.socketBufferMaxBytes) continue;
        socket.disconnect(true);
        // It reads nothing: a closing handshake would wait behind its queue, so the connection is cut.
        (socket.conn as unknown as { transport: { socket?: { terminate?(): void } } }).transport.socket?.terminate?.();
        shed++;
      }
      return shed;
    },
    expireSessions() {
      const now = deps.clock.now().getTime();
      let expired = 0;
      for (const socket of io.sockets.sockets.values()) {
        if (socket.data.expiresAt > now) continue;
        socket.emit('session:expired');
        socket.disconnect(true);
        expired++;
      }
      return expired;
    },
  };
}
