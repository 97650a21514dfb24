import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { User } from './contract/auth.ts';
import { createTokenService } from './security.ts';

const user: User = { id: 'u-1', username: 'dispatcher', name: '调度员', role: 'dispatcher', scope: '431103' };
const now = new Date('2026-11-30T01:00:00Z');
const later = (s: number) => new Date(now.getTime() + s * 1000);

describe('bearer tokens', () => {
  it('accepts a genuine token until it expires, also once it has been verified before', () => {
    const tokens = createTokenService([randomBytes(32)], 60);
    const { token } = tokens.issue(user, now);
    expect(tokens.verify(token, later(1))).toMatchObject({ sub: 'u-1', role: 'dispatcher', scope: '431103' });
    expect(tokens.verify(token, later(59))).not.toBeNull();
    expect(tokens.verify(token, later(60))).toBeNull();
  });

  it('refuses a changed signature or body, and tokens of another secret, whatever it verified before', () => {
    const tokens = createTokenService([randomBytes(32)], 60);
    const { token } = tokens.issue(user, now);
    expect(tokens.verify(token, now)).not.toBeNull();
    const [body, mac] = token.split('.') as [string, string];
    const flipped = `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    expect(tokens.verify(`${body}.${flipped}`, now)).toBeNull();
    expect(tokens.verify(`${body}.${mac.slice(1)}`, now)).toBeNull();
    const forged = Buffer.from(JSON.stringify({ sub: 'u-1', role: 'admin', scope: '431103', exp: 2e9 })).toString('base64url');
    expect(tokens.verify(`${forged}.${mac}`, now)).toBeNull();
    expect(createTokenService([randomBytes(32)], 60).verify(token, now)).toBeNull();
    expect(tokens.verify(token, now)).not.toBeNull();
  });

  it('signs with the first key and verifies with every key listed, so a key is rotated without signing anyone out', () => {
    const [old, fresh] = [randomBytes(32), randomBytes(32)];
    const { token } = createTokenService([old], 60).issue(user, now);
    const rotated = createTokenService([fresh, old], 60);
    expect(rotated.verify(token, now)).not.toBeNull();
    expect(createTokenService([fresh, old], 60).verify(rotated.issue(user, now).token, now)).not.toBeNull();
    expect(createTokenService([fresh], 60).verify(token, now)).toBeNull();
  });
});
