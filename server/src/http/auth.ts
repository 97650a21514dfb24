/**
 * POST /api/auth/login, /api/auth/kiosk and GET /api/me. Failed attempts are limited per account
 * and address, and per address across accounts: a guesser is stopped at their own address, and the
 * real user — or the wall's kiosk — signs in from theirs all the while. The address is the
 * connection's, or a trusted proxy's X-Forwarded-For (TRUST_PROXY).
 */
import { timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { LoginResult, User } from '../contract/auth.ts';
import type { MeAnswer } from '../contract/responses.ts';
import { loginSchema } from '../contract/inputs.ts';
import { DomainError } from '../contract/errors.ts';
import { createAttemptLimiter } from '../domain/attempt-limiter.ts';
import { UNKNOWN_USER_HASH, verifyPassword, type TokenService } from '../security.ts';
import type { Clock } from '../domain/clock.ts';
import { parseInput } from '../services/validation.ts';
import type { UserRepository } from '../store/users-repo.ts';
import { route, user } from './common.ts';

const WINDOW_MS = 5 * 60_000;
/** Failures per account from one address, and per address over all accounts, in the window. */
const MAX_FAILURES = 10;
const MAX_FAILURES_PER_ADDRESS = 50;

function loginResult(deps: { tokens: TokenService; clock: Clock }, plain: User): LoginResult {
  const now = deps.clock.now();
  const { token, expiresAt } = deps.tokens.issue(plain, now);
  return { token, user: plain, expiresAt: expiresAt.toISOString(), serverTime: now.toISOString() };
}

export function authRouter(
  deps: { users: UserRepository; tokens: TokenService; clock: Clock; kioskKey: string | null },
  requireUser: RequestHandler,
): Router {
  const router = Router();
  const perAccount = createAttemptLimiter({ windowMs: WINDOW_MS, max: MAX_FAILURES, maxKeys: 100_000 });
  const perAddress = createAttemptLimiter({ windowMs: WINDOW_MS, max: MAX_FAILURES_PER_ADDRESS, maxKeys: 100_000 });
  router.post(
    '/auth/login',
    route(async (req, res) => {
      const { username, password } = parseInput(loginSchema, req.body);
      const now = deps.clock.now().getTime();
      const address = req.ip ?? 'unknown';
      const account = `${address}|${username}`;
      if (perAccount.blocked(account, now) || perAddress.blocked(address, now)) {
        throw new DomainError('rate-limited', '登录失败次数过多，请几分钟后再试');
      }
      const record = deps.users.byUsername(username);
      const matches = await verifyPassword(password, record?.passwordHash ?? UNKNOWN_USER_HASH);
      if (!record || !matches) {
        perAccount.fail(account, now);
        perAddress.fail(address, now);
        throw new DomainError('unauthenticated', '用户名或密码错误');
      }
      perAccount.clear(account);
      const { passwordHash: _, ...plain } = record;
      res.json(loginResult(deps, plain));
    }),
  );
  // The wall display signs in unattended with the kiosk key (configuration), as the wall account only.
  const kioskSchema = z.object({ key: z.string().min(1).max(256) }).strict();
  router.post(
    '/auth/kiosk',
    route((req, res) => {
      const { key } = parseInput(kioskSchema, req.body);
      const now = deps.clock.now().getTime();
      const kiosk = `${req.ip ?? 'unknown'}|kiosk`;
      if (perAccount.blocked(kiosk, now)) throw new DomainError('rate-limited', '失败次数过多，请几分钟后再试');
      const expected = deps.kioskKey ? Buffer.from(deps.kioskKey) : null;
      const given = Buffer.from(key);
      const wall = deps.users.byUsername('wall');
      if (!expected || !wall || wall.role !== 'wall' || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        perAccount.fail(kiosk, now);
        throw new DomainError('unauthenticated', '大屏密钥无效');
      }
      const { passwordHash: _, ...plain } = wall;
      res.json(loginResult(deps, plain));
    }),
  );
  router.get(
    '/me',
    requireUser,
    route((req, res) => res.json({ user: user(req) } satisfies MeAnswer)),
  );
  return router;
}
