/**
 * The embedded SQLite store: opening with durable settings (WAL, synchronous=FULL), migrations, and
 * group commit — every write queued in one event-loop turn runs in a single transaction, and each
 * caller's promise settles only after that transaction has committed.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
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
  // Open311 API keys (issue 7): only a hash of each key is kept; revoked keys stay for the record.
  `CREATE TABLE api_keys (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE, scope TEXT NOT NULL, source TEXT NOT NULL,
     created_by TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
   CREATE INDEX idempotency_key ON idempotency (key);`,
  // Notifications (issue 7): subscriptions, and the durable delivery queue that is also the delivery log.
  `CREATE TABLE subscriptions (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, events TEXT NOT NULL, scope TEXT NOT NULL, channel TEXT NOT NULL, url TEXT NOT NULL,
     secret TEXT, created_by TEXT NOT NULL, created_at TEXT NOT NULL, disabled_at TEXT);
   CREATE TABLE deliveries (
     id INTEGER PRIMARY KEY AUTOINCREMENT, subscription_id TEXT NOT NULL REFERENCES subscriptions(id), event TEXT NOT NULL,
     incident_id TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at TEXT NOT NULL,
     last_error TEXT, created_at TEXT NOT NULL, delivered_at TEXT);
   CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);`,
];

export function openDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
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

export interface GroupCommitStats {
  batches: number;
  writes: number;
  lastBatchSize: number;
}

export interface Writer {
  /** Runs `op` inside the next group transaction; resolves with its result after COMMIT. */
  write<T>(op: () => T): Promise<T>;
  /** Settles every queued write now (used by graceful shutdown). */
  flush(): void;
  readonly stats: GroupCommitStats;
}

export function createWriter(db: Db, onBatch?: (size: number, ms: number) => void): Writer {
  interface Pending { op: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }
  let queue: Pending[] = [];
  let scheduled = false;
  const stats: GroupCommitStats = { batches: 0, writes: 0, lastBatchSize: 0 };
  const savepoint = db.prepare('SAVEPOINT w');
  const release = db.prepare('RELEASE w');
  const rollbackTo = db.prepare('ROLLBACK TO w');
  const flush = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    const started = performance.now();
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      db.transaction(() => {
        for (const p of batch) {
          // A savepoint per write: one refused write rolls back alone, the rest still commit.
          savepoint.run();
          try {
            outcomes.push({ ok: true, value: p.op() });
            release.run();
          } catch (error) {
            rollbackTo.run();
            release.run();
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    stats.batches++;
    stats.writes += batch.length;
    stats.lastBatchSize = batch.length;
    onBatch?.(batch.length, performance.now() - started);
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.value);
      else p.reject(o.error);
    });
  };
  return {
    write<T>(op: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    flush,
    stats,
  };
}
