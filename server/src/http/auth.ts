/** POST /api/auth/login and GET /api/me. Login attempts are limited per username and address. */
import { timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { LoginResult, User } from '../contract/auth.ts';
import type { MeAnswer } from '../contract/responses.ts';
import { loginSchema } from '../contract/inputs.ts';
import { DomainError } from '../contract/errors.ts';
import { verifyPassword, type TokenService } from '../security.ts';
import type { Clock } from '../domain/clock.ts';
import { parseInput } from '../services/validation.ts';
import type { UserRepository } from '../store/users-repo.ts';
import { route, user } from './common.ts';

const WINDOW_MS = 5 * 60_000;
const MAX_FAILURES = 10;

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
  const failures = new Map<string, number[]>();
  router.post(
    '/auth/login',
    route((req, res) => {
      const { username, password } = parseInput(loginSchema, req.body);
      const now = deps.clock.now().getTime();
      const key = `${req.ip}|${username}`;
      const recent = (failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
      if (recent.length >= MAX_FAILURES) throw new DomainError('rate-limited', 'too many failed logins: wait a few minutes');
      const record = deps.users.byUsername(username);
      if (!record || !verifyPassword(password, record.passwordHash)) {
        failures.set(key, [...recent, now]);
        throw new DomainError('unauthenticated', 'wrong username or password');
      }
      failures.delete(key);
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
      const recent = (failures.get(`${req.ip}|kiosk`) ?? []).filter((t) => now - t < WINDOW_MS);
      if (recent.length >= MAX_FAILURES) throw new DomainError('rate-limited', 'too many failed attempts: wait a few minutes');
      const expected = deps.kioskKey ? Buffer.from(deps.kioskKey) : null;
      const given = Buffer.from(key);
      const wall = deps.users.byUsername('wall');
      if (!expected || !wall || wall.role !== 'wall' || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        failures.set(`${req.ip}|kiosk`, [...recent, now]);
        throw new DomainError('unauthenticated', 'invalid kiosk key');
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
