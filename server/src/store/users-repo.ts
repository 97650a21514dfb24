/**
 * Users and the token secret, in SQLite. Lookups by id (every authenticated request) are cached;
 * every change goes through this repository and clears the cache.
 */
import { randomUUID } from 'node:crypto';
import type { Role, User } from '../contract/auth.ts';
import type { Db } from './database.ts';

interface UserRecord extends User {
  passwordHash: string;
}

export interface UserRepository {
  byUsername(username: string): UserRecord | undefined;
  byId(id: string): UserRecord | undefined;
  all(): User[];
  create(user: { username: string; name: string; role: Role; scope: string; passwordHash: string }, at: string): User;
  setPassword(username: string, passwordHash: string): void;
  /** A secret kept across restarts, so tokens survive a restart; made on first use. */
}

interface Row {
  id: string;
  username: string;
  name: string;
  role: Role;
  scope: string;
  password_hash: string;
}

export function createSqliteUserRepository(db: Db): UserRepository {
  const toUser = (r: Row | undefined): UserRecord | undefined =>
    r && { id: r.id, username: r.username, name: r.name, role: r.role, scope: r.scope, passwordHash: r.password_hash };
  const byUsername = db.prepare<[string], Row>('SELECT * FROM users WHERE username = ?');
  const byId = db.prepare<[string], Row>('SELECT * FROM users WHERE id = ?');
  const cache = new Map<string, UserRecord | undefined>();
  return {
    byUsername: (u) => toUser(byUsername.get(u)),
    byId(id) {
      if (cache.has(id)) return cache.get(id);
      const user = toUser(byId.get(id));
      if (cache.size > 10_000) cache.clear(); // ids come from verified tokens; this only bounds memory
      cache.set(id, user);
      return user;
    },
    all: () =>
      db
        .prepare<[], Row>('SELECT * FROM users ORDER BY username')
        .all()
        .map((r) => {
          const { passwordHash: _, ...user } = toUser(r)!;
          return user;
        }),
    create(u, at) {
      const id = randomUUID();
      db.prepare('INSERT INTO users (id, username, name, role, scope, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        id,
        u.username,
        u.name,
        u.role,
        u.scope,
        u.passwordHash,
        at,
      );
      cache.clear();
      return { id, username: u.username, name: u.name, role: u.role, scope: u.scope };
    },
    setPassword(username, hash) {
      db.prepare('UPDATE users SET password_hash = ? WHERE username = ?').run(hash, username);
      cache.clear();
    },
  };
}
