/** Express plumbing shared by the routers: bearer-token auth, role checks, async handlers, error mapping. */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { may, type Permission, type User, ROLE_NAMES } from '../contract/auth.ts';
import { DomainError, ERROR_STATUS, type ApiError } from '../contract/errors.ts';
import type { TokenService } from '../security.ts';
import type { Clock } from '../domain/clock.ts';
import type { UserRepository } from '../store/users-repo.ts';

declare module 'express-serve-static-core' {
  interface Request {
    user?: User;
  }
}

/** The user a `Authorization: Bearer <token>` header belongs to; throws `unauthenticated` otherwise. */
function userFromAuthorization(header: string | undefined, tokens: TokenService, users: UserRepository, clock: Clock): User {
  const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
  const claims = token ? tokens.verify(token, clock.now()) : null;
  const record = claims ? users.byId(claims.sub) : undefined;
  if (!record)
    throw new DomainError('unauthenticated', token ? '登录凭证无效或已过期，请重新登录' : '请先登录（Authorization: Bearer <token>）');
  const { passwordHash: _, ...user } = record;
  return user;
}

export function authenticate(tokens: TokenService, users: UserRepository, clock: Clock): RequestHandler {
  return (req, _res, next) => {
    try {
      req.user = userFromAuthorization(req.headers.authorization, tokens, users, clock);
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** Only roles with this permission (contract/auth.ts) may use the route. */
export function allow(permission: Permission): RequestHandler {
  return (req, _res, next) => {
    if (!req.user || !may(req.user.role, permission))
      return next(new DomainError('forbidden', `${req.user ? ROLE_NAMES[req.user.role] : '未登录用户'}无权执行此操作`));
    next();
  };
}

/** Passes a rejected promise to the error handler (Express 5 does this too; explicit for clarity). */
export function route(handler: (req: Request, res: Response) => unknown): RequestHandler {
  return (req, res, next) => {
    Promise.resolve(handler(req, res)).catch(next);
  };
}

export function user(req: Request): User {
  return req.user!;
}

/** The status and body for any error; unexpected ones are logged, not leaked. */
export function errorResponse(
  error: unknown,
  logger: Logger,
  context: { method?: string; path: string },
): { status: number; body: ApiError } {
  if (error instanceof DomainError) return { status: ERROR_STATUS[error.code], body: error.toApiError() };
  if (isHttpError(error) && error.status === 413) return { status: 413, body: { code: 'too-large', message: '请求内容过大' } };
  if (isHttpError(error) && error.status === 404)
    return { status: 404, body: { code: 'not-found', message: `no such file: ${context.path}` } };
  if (isHttpError(error) && error.status >= 400 && error.status < 500) {
    return {
      status: 400,
      body: { code: 'bad-request', message: error.type === 'entity.parse.failed' ? '请求内容不是有效的 JSON' : '请求无法读取' },
    };
  }
  logger.error({ err: error, ...context }, 'unhandled error');
  return { status: 500, body: { code: 'internal', message: '服务器内部错误' } };
}

/** Maps every error to a status and `{ error: ApiError }`. */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const { status, body } = errorResponse(error, logger, { method: req.method, path: req.path });
    res.status(status).json({ error: body });
  };
}

/** Access log: refusals at info, the rest at debug (LOG_LEVEL=debug); never bodies, tokens or passwords. */
export function logAccess(
  logger: Logger,
  entry: { method: string; path: string; status: number; ms: number; user: string | undefined },
): void {
  if (entry.status >= 400) logger.info(entry, 'api');
  else logger.debug(entry, 'api');
}

function isHttpError(e: unknown): e is { status: number; type?: string; message: string } {
  return typeof e === 'object' && e !== null && typeof (e as { status?: unknown }).status === 'number';
}
