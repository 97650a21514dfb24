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
}

const scopeSchema = z.object({ scope: scopeCode }).strict();
const resyncSchema = z.object({ scope: scopeCode, fromSeq: z.number().int().min(0) }).strict();
const reportSchema = z.object({ idempotencyKey: z.string(), report: z.unknown() }).strict();
const actSchema = z.object({ id: z.string().min(1).max(40), action: z.unknown() }).strict();

const isMasked = (user: User): boolean => user.role === 'wall';

export interface Feed {
  /** Disconnects every socket whose token has expired, telling it first (`session:expired`). */
  expireSessions(): number;
}

export function registerFeed(io: TypedServer, deps: FeedDeps): Feed {
  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const claims = typeof token === 'string' ? deps.tokens.verify(token, deps.clock.now()) : null;
    const user = claims ? deps.users.byId(claims.sub) : undefined;
    if (!user) return next(new Error('unauthenticated'));
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
      throw new DomainError('not-found', `no scope ${scope}`);
    if (!inScope(user.scope, scope)) throw new DomainError('forbidden', `scope ${scope} is outside your scope ${user.scope}`);
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
      socket.emit('feed:reset', snapshot(socket.data.scope, user));
    }
    const handle =
      <T>(run: () => T | Promise<T>) =>
      async (ack: unknown): Promise<void> => {
        if (typeof ack !== 'function') return;
        const reply = ack as (result: Ack<T>) => void;
        try {
          if (!deps.tokens.verify((socket.handshake.auth as { token: string }).token, deps.clock.now())) {
            throw new DomainError('unauthenticated', 'your session has expired: log in again');
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
          return deltas ? { kind: 'deltas' as const, deltas } : { kind: 'snapshot' as const, snapshot: snapshot(scope, user) };
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
