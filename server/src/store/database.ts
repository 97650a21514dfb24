/**
 * The database layer: opening the SQLite file with durable settings, the schema's migrations, the
 * group transaction both writers run (writer.ts on the event loop, write-thread.worker.ts in the
 * writer thread), and the log's sync. Repositories take a `Db` from here; nothing here knows them.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, fdatasync, fdatasyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE users (
     id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL,
     password_hash TEXT NOT NULL, created_at TEXT NOT NULL);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE incidents (
     id TEXT PRIMARY KEY, stage TEXT NOT NULL, open INTEGER NOT NULL, class TEXT NOT NULL, priority TEXT NOT NULL,
     source TEXT NOT NULL, grid_code TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deadline TEXT,
     sla_state TEXT NOT NULL, version INTEGER NOT NULL, data TEXT NOT NULL);
   CREATE INDEX incidents_open_deadline ON incidents (open, deadline);
   CREATE INDEX incidents_created ON incidents (created_at);
   CREATE INDEX incidents_grid ON incidents (grid_code, created_at);
   CREATE TABLE incident_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, incident_id TEXT NOT NULL REFERENCES incidents(id), type TEXT NOT NULL,
     actor_id TEXT NOT NULL, actor_name TEXT NOT NULL, at TEXT NOT NULL, from_stage TEXT, to_stage TEXT, note TEXT NOT NULL,
     patch TEXT NOT NULL);
   CREATE INDEX incident_events_incident ON incident_events (incident_id, seq);
   CREATE TABLE idempotency (
     user_id TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, incident_id TEXT NOT NULL, created_at TEXT NOT NULL,
     PRIMARY KEY (user_id, key));
   CREATE TABLE tasks (
     id TEXT PRIMARY KEY, state TEXT NOT NULL, grid_code TEXT NOT NULL, starts_at TEXT NOT NULL, ends_at TEXT NOT NULL,
     updated_at TEXT NOT NULL, version INTEGER NOT NULL, data TEXT NOT NULL);
   CREATE INDEX tasks_window ON tasks (ends_at);
   CREATE TABLE task_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL REFERENCES tasks(id), type TEXT NOT NULL, actor_id TEXT NOT NULL,
     at TEXT NOT NULL, patch TEXT NOT NULL);`,
  // Open311 API keys: only a hash of each key is kept; revoked keys stay for the record.
  `CREATE TABLE api_keys (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE, scope TEXT NOT NULL, source TEXT NOT NULL,
     created_by TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
   CREATE INDEX idempotency_key ON idempotency (key);`,
  // Notifications: subscriptions, and the durable delivery queue that is also the delivery log.
  `CREATE TABLE subscriptions (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, events TEXT NOT NULL, scope TEXT NOT NULL, channel TEXT NOT NULL, url TEXT NOT NULL,
     secret TEXT, created_by TEXT NOT NULL, created_at TEXT NOT NULL, disabled_at TEXT);
   CREATE TABLE deliveries (
     id INTEGER PRIMARY KEY AUTOINCREMENT, subscription_id TEXT NOT NULL REFERENCES subscriptions(id), event TEXT NOT NULL,
     incident_id TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at TEXT NOT NULL,
     last_error TEXT, created_at TEXT NOT NULL, delivered_at TEXT);
   CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);`,
  // Only Open311 looks idempotency keys up by key alone (its tokens), so only its keys pay for
  // that index; a report does not. Case numbers come from the
  // incidents' own primary key (max id of the day) instead of a counter row updated per report.
  `DROP INDEX idempotency_key;
   CREATE INDEX idempotency_open311_key ON idempotency (key) WHERE user_id LIKE 'apikey:%';
   DELETE FROM meta WHERE key LIKE 'incident-seq:%';`,
];

/**
 * Opens the database, migrating it to the current schema. The file is readable by its owner only
 * (0600), and so are the write-ahead log and shared-memory files SQLite makes beside it, which take
 * the database file's mode; the data folder is made 0700.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
  }
  let db: Db;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    // A damaged file opens, and would answer reads while every write failed: refuse to start on it.
    const problems = db.pragma('quick_check(5)', { simple: false }) as { quick_check: string }[];
    if (problems[0]?.quick_check !== 'ok') throw new DatabaseDamaged(file, problems.map((p) => p.quick_check).join('; '));
  } catch (error) {
    if (error instanceof DatabaseDamaged) throw error;
    throw new DatabaseDamaged(file, error instanceof Error ? error.message : String(error));
  }
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}

/** The database file cannot be trusted: the start stops with this message, which says what to do. */
export class DatabaseDamaged extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(
      `The database ${file} failed its integrity check (${problem}). The server will not start on it. ` +
        'Restore the latest backup into the data folder (docs/operations.md, Backups), or move the file aside to start with an empty database.',
    );
    this.name = 'DatabaseDamaged';
  }
}

/** WAL pages after which SQLite checkpoints on the writer itself, should the worker fall behind. */
export const BACKSTOP_CHECKPOINT_PAGES = 16_384;

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
/** Makes every commit so far durable, then calls back. */
export type Sync = (done: (err: Error | null) => void) => void;

/**
 * The log's default sync: the connection runs synchronous=NORMAL (the WAL is written at commit,
 * not synced) and the WAL is synced here by fdatasync: `sync` in libuv's thread pool (the event
 * loop), `syncNow` in the calling thread (the writer thread). null for ':memory:'.
 */
export function walSync(db: Db): { sync: Sync; syncNow(): void; close(): void } | null {
  if (db.memory) return null;
  db.pragma('synchronous = NORMAL');
  const fd = openSync(`${db.name}-wal`, 'r');
  return { sync: (done) => fdatasync(fd, done), syncNow: () => fdatasyncSync(fd), close: () => closeSync(fd) };
}

/**
 * Runs `ops` in one transaction, each in a savepoint of its own: one refused op rolls back alone
 * and the rest still commit. Throws (and commits nothing) only if the transaction itself fails, or
 * an op's failure took the transaction with it (SQLITE_FULL, an I/O error).
 *
 * The transaction begins IMMEDIATE: it takes the write lock first, waiting (busy_timeout) while
 * another connection holds it. A DEFERRED one that reads first would ask for the lock at its first
 * write, and SQLite fails that upgrade at once with SQLITE_BUSY instead of waiting. That was a
 * rare 500 on a report (seen once, 1 of 38,245 reports in a profiled ingest run with the writer
 * thread): the report reads the day's last case number before its inserts, and the lock is held for
 * moments by others: the other connection, and any reader (the checkpoint worker's, the main
 * connection's) that catches the WAL-index header mid-commit takes it to read the header again.
 */
export function runGroup(db: Db, ops: readonly (() => unknown)[]): Outcome[] {
  let s = savepoints.get(db);
  if (!s)
    savepoints.set(
      db,
      (s = { savepoint: db.prepare('SAVEPOINT w'), release: db.prepare('RELEASE w'), rollbackTo: db.prepare('ROLLBACK TO w') }),
    );
  const { savepoint, release, rollbackTo } = s;
  const outcomes: Outcome[] = [];
  db.transaction(() => {
    for (const op of ops) {
      savepoint.run();
      try {
        outcomes.push({ ok: true, value: op() });
        release.run();
      } catch (error) {
        // A full disk or an I/O error makes SQLite roll the whole transaction back, savepoints and
        // all: then nothing of the group is stored, and every write in it fails with that error.
        if (!db.inTransaction) throw error;
        rollbackTo.run();
        release.run();
        outcomes.push({ ok: false, error });
      }
    }
  }).immediate();
  return outcomes;
}
const savepoints = new WeakMap<Db, { savepoint: Database.Statement; release: Database.Statement; rollbackTo: Database.Statement }>();
