/**
 * The keys that sign bearer tokens, kept outside the database: in `TOKEN_SECRET` (comma-separated)
 * or in the key file `DATA_DIR/token-keys` (one base64url key per line, mode 0600). The first key
 * signs; every key listed verifies, so a key is rotated by putting a new one first
 * (`npm run token:rotate`) and dropping the old one once the tokens it signed have expired.
 * A database from before the key file had its key in the `meta` table: it moves to the file once.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './database.ts';

const MIN_KEY_BYTES = 32;
export const keyFileOf = (dataDir: string): string => join(dataDir, 'token-keys');

const decode = (text: string, where: string): Buffer[] => {
  const keys = text
    .split(/[\n,]/)
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => Buffer.from(k, 'base64url'));
  if (keys.length === 0 || keys.some((k) => k.length < MIN_KEY_BYTES)) {
    throw new Error(`${where}: each token key must be at least ${MIN_KEY_BYTES} bytes, base64url-encoded`);
  }
  return keys;
};

const write = (file: string, keys: readonly Buffer[]): void => {
  const staging = `${file}.new`;
  writeFileSync(staging, keys.map((k) => k.toString('base64url')).join('\n') + '\n', { mode: 0o600 });
  renameSync(staging, file);
};

/** The token keys, signing key first: from `fromEnv`, else the key file (made on first start). */
export function loadTokenKeys(dataDir: string, db: Db, fromEnv: string | undefined): Buffer[] {
  const legacy = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'token-secret'").get();
  if (fromEnv) {
    if (legacy) db.prepare("DELETE FROM meta WHERE key = 'token-secret'").run();
    return decode(fromEnv, 'TOKEN_SECRET');
  }
  const file = keyFileOf(dataDir);
  if (!existsSync(file)) write(file, [legacy ? Buffer.from(legacy.value, 'base64') : randomBytes(MIN_KEY_BYTES)]);
  if (legacy) db.prepare("DELETE FROM meta WHERE key = 'token-secret'").run();
  chmodSync(file, 0o600);
  return decode(readFileSync(file, 'utf8'), file);
}

/** Puts a new signing key first in the key file; the previous one keeps verifying, older ones go. */
export function rotateTokenKeys(dataDir: string): void {
  const file = keyFileOf(dataDir);
  const current = existsSync(file) ? decode(readFileSync(file, 'utf8'), file) : [];
  write(file, [randomBytes(MIN_KEY_BYTES), ...current.slice(0, 1)]);
}
