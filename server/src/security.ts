/** Password hashing (scrypt) and signed, expiring bearer tokens (HMAC-SHA256). */
import { createHmac, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Role, User } from './contract/auth.ts';
import { ROLES } from './contract/auth.ts';

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/**
 * Whether the password matches the stored hash. The hash is computed in libuv's thread pool: a
 * flood of logins must not stall the event loop that serves everyone else.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
  return timingSafeEqual(actual, expected);
}

/**
 * A hash no password matches, checked when a username is unknown: an unknown and a known username
 * take the same time to refuse, so a login does not tell which accounts exist.
 */
export const UNKNOWN_USER_HASH = hashPassword(randomBytes(32).toString('base64url'));

interface TokenClaims {
  sub: string;
  role: Role;
  scope: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface TokenService {
  issue(user: User, now: Date): { token: string; expiresAt: Date };
  /** The claims of a genuine, unexpired token; null for anything else. */
  verify(token: string, now: Date): TokenClaims | null;
}

/** `keys`: the first signs; each verifies (a rotated-out key keeps its tokens valid until they expire). */
export function createTokenService(keys: readonly Buffer[], ttlSeconds: number): TokenService {
  const signWith = (key: Buffer, body: string): string => createHmac('sha256', key).update(body).digest('base64url');
  const sign = (body: string): string => signWith(keys[0]!, body);
  // Signatures of tokens that verified before, so that a token's HMAC is computed once rather
  // than on every request (it is a fixed cost on every API call). The given signature is still compared in
  // constant time; only genuine tokens are kept.
  const verified = new Map<string, { signature: Buffer; claims: Readonly<TokenClaims> }>();
  return {
    issue(user, now) {
      const exp = Math.floor(now.getTime() / 1000) + ttlSeconds;
      const body = Buffer.from(JSON.stringify({ sub: user.id, role: user.role, scope: user.scope, exp } satisfies TokenClaims)).toString(
        'base64url',
      );
      return { token: `${body}.${sign(body)}`, expiresAt: new Date(exp * 1000) };
    },
    verify(token, now) {
      if (typeof token !== 'string' || token.length > 2048) return null;
      const [body, mac] = token.split('.');
      if (!body || !mac) return null;
      let known = verified.get(body);
      const given = Buffer.from(mac);
      const matches = (expected: Buffer): boolean => given.length === expected.length && timingSafeEqual(given, expected);
      const expected = known
        ? matches(known.signature)
          ? known.signature
          : null
        : keys.map((k) => Buffer.from(signWith(k, body))).find(matches);
      if (!expected) return null;
      if (!known) {
        const claims = parseClaims(body);
        if (!claims) return null;
        if (verified.size >= 10_000) verified.clear(); // bounds memory
        verified.set(body, (known = { signature: expected, claims }));
      }
      return known.claims.exp * 1000 > now.getTime() ? known.claims : null;
    },
  };
}

function parseClaims(body: string): Readonly<TokenClaims> | null {
  try {
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as TokenClaims;
    if (typeof claims.sub !== 'string' || !ROLES.includes(claims.role) || typeof claims.exp !== 'number') return null;
    return Object.freeze(claims);
  } catch {
    return null;
  }
}
