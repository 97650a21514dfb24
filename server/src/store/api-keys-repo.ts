/**
 * Open311 API keys in SQLite. A key is shown once when issued; only its SHA-256 is kept (keys are
 * 192 random bits, so a fast hash is enough). Lookups by key are cached; every change clears it.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Source } from '../contract/incidents.ts';
import type { ApiKey } from '../contract/responses.ts';
import type { Db } from './database.ts';

export interface ApiKeyRepository {
  issue(k: { name: string; scope: string; source: Source; createdBy: string }, at: string): { apiKey: ApiKey; key: string };
  list(): ApiKey[];
  revoke(id: string, at: string): ApiKey | undefined;
  /** The live (not revoked) key, if this is one. */
  byKey(key: string): ApiKey | undefined;
  /** The case an Open311 token (a submission's idempotency key) created. */
  incidentForToken(token: string): string | undefined;
}

interface Row {
  id: string;
  name: string;
  scope: string;
  source: Source;
  created_by: string;
  created_at: string;
  revoked_at: string | null;
}
const toKey = (r: Row): ApiKey => ({
  id: r.id,
  name: r.name,
  scope: r.scope,
  source: r.source,
  createdBy: r.created_by,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});
const hash = (key: string): string => createHash('sha256').update(key).digest('hex');

export function createSqliteApiKeyRepository(db: Db): ApiKeyRepository {
  const s = {
    insert: db.prepare('INSERT INTO api_keys (id, name, key_hash, scope, source, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    all: db.prepare<[], Row>('SELECT * FROM api_keys ORDER BY created_at'),
    byId: db.prepare<[string], Row>('SELECT * FROM api_keys WHERE id = ?'),
    byHash: db.prepare<[string], Row>('SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL'),
    revoke: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    token: db.prepare<[string], { incident_id: string }>("SELECT incident_id FROM idempotency WHERE key = ? AND user_id LIKE 'apikey:%'"),
  };
  const cache = new Map<string, ApiKey | undefined>();
  return {
    issue(k, at) {
      const id = randomUUID();
      const key = `lst_${randomBytes(24).toString('base64url')}`;
      s.insert.run(id, k.name, hash(key), k.scope, k.source, k.createdBy, at);
      cache.clear();
      return { apiKey: toKey(s.byId.get(id)!), key };
    },
    list: () => s.all.all().map(toKey),
    revoke(id, at) {
      s.revoke.run(at, id);
      cache.clear();
      const row = s.byId.get(id);
      return row && toKey(row);
    },
    byKey(key) {
      const h = hash(key);
      if (!cache.has(h)) {
        if (cache.size > 1000) cache.clear();
        const row = s.byHash.get(h);
        cache.set(h, row && toKey(row));
      }
      return cache.get(h);
    },
    incidentForToken: (token) => s.token.get(token)?.incident_id,
  };
}
