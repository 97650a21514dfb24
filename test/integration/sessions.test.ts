/**
 * Sessions and secrets: a socket is disconnected when its token expires; the database and the
 * token keys are readable by their owner only, and the keys live outside the database, given in
 * TOKEN_SECRET or a key file that rotates without signing anyone out.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenService } from '../../server/src/security.ts';
import { openDatabase } from '../../server/src/store/database.ts';
import { keyFileOf, rotateTokenKeys } from '../../server/src/store/token-keys.ts';
import { startHarness, type Harness } from '../helpers/server.ts';

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});
const start = async (env: Record<string, string> = {}, dataDir?: string): Promise<Harness> => {
  const h = await startHarness(env, dataDir ? { dataDir } : {});
  open.push(h);
  return h;
};
const mode = (file: string): number => statSync(file).mode & 0o777;

describe('sessions', () => {
  it('disconnects a socket when its token expires, telling it first', async () => {
    const h = await start({ TOKEN_TTL_HOURS: '1' });
    const { token } = await h.login('leader');
    const { socket } = await h.socket(token);
    let told = false;
    socket.on('session:expired', () => (told = true));
    const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    await h.app.sweep();
    expect(socket.connected).toBe(true);
    h.clock.advance(3_600_000);
    await h.app.sweep();
    expect(await gone).toBe('io server disconnect');
    expect(told).toBe(true);
    // And it cannot come back with the same token.
    expect((await h.api(token, 'GET', '/api/me')).status).toBe(401);
  });
});

describe('secrets at rest', () => {
  it('keeps the database and the token keys readable by their owner only, and no key in the database', async () => {
    const h = await start();
    await h.login('leader');
    const db = join(h.dataDir, 'lengshuitan.sqlite');
    expect(mode(db)).toBe(0o600);
    expect(mode(`${db}-wal`)).toBe(0o600);
    expect(mode(keyFileOf(h.dataDir))).toBe(0o600);
    expect(mode(h.dataDir) & 0o077).toBe(0);
    expect(h.app.db.prepare("SELECT count(*) AS n FROM meta WHERE key LIKE '%secret%'").get()).toEqual({ n: 0 });
    const key = readFileSync(keyFileOf(h.dataDir), 'utf8').trim();
    const bytes = Buffer.concat([readFileSync(db), existsSync(`${db}-wal`) ? readFileSync(`${db}-wal`) : Buffer.alloc(0)]);
    expect(bytes.includes(Buffer.from(key))).toBe(false);
    expect(bytes.includes(Buffer.from(key, 'base64url'))).toBe(false);
  });

  it('signs with TOKEN_SECRET when it is given, and refuses a key too short to be safe', async () => {
    const secret = randomBytes(32).toString('base64url');
    const a = await start({ TOKEN_SECRET: secret });
    const { token } = await a.login('leader');
    expect(createTokenService([Buffer.from(secret, 'base64url')], 3600).verify(token, a.clock.now())).not.toBeNull();
    expect(existsSync(keyFileOf(a.dataDir))).toBe(false);
    const c = await start({ TOKEN_SECRET: 'too-short' }).catch((e: Error) => e);
    expect(String(c)).toMatch(/TOKEN_SECRET.*32 bytes/);
  });

  it('rotates the key without signing anyone out, and drops a key two rotations old', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lst-rotate-'));
    let h = await start({}, dataDir);
    const { token } = await h.login('leader');
    await h.close();
    open.pop();
    rotateTokenKeys(dataDir);
    h = await start({}, dataDir);
    expect((await h.api(token, 'GET', '/api/me')).status).toBe(200);
    const fresh = (await h.login('leader')).token;
    await h.close();
    open.pop();
    rotateTokenKeys(dataDir);
    h = await start({}, dataDir);
    expect((await h.api(fresh, 'GET', '/api/me')).status).toBe(200);
    expect((await h.api(token, 'GET', '/api/me')).status).toBe(401);
  });

  it('moves the key of a database that kept it in its meta table to the key file, keeping its tokens valid', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lst-legacy-'));
    const legacy = randomBytes(32);
    const db = openDatabase(join(dataDir, 'lengshuitan.sqlite'));
    db.prepare("INSERT INTO meta (key, value) VALUES ('token-secret', ?)").run(legacy.toString('base64'));
    db.close();
    const h = await start({}, dataDir);
    const leader = (await h.login('leader')).user;
    const { token } = createTokenService([legacy], 3600).issue(leader, h.clock.now());
    expect((await h.api(token, 'GET', '/api/me')).status).toBe(200);
    expect(
      new Database(join(dataDir, 'lengshuitan.sqlite')).prepare("SELECT count(*) AS n FROM meta WHERE key = 'token-secret'").get(),
    ).toEqual({ n: 0 });
  });
});
