/**
 * The embedded SQLite store: opening with durable settings, migrations, and the writer.
 *
 * The writer does group commit: every write queued in one event-loop turn runs in a single
 * transaction, and each caller's promise settles only once that transaction is on disk. It keeps
 * the slow parts of durability off the event loop (issue 6: under ingest load, COMMIT with its
 * fsync and the checkpoints were 13 % of the main thread's samples; 4.6 % after):
 * - the log is synced by fdatasync of the write-ahead log in libuv's thread pool (the connection
 *   runs synchronous=NORMAL, which writes the WAL at commit without syncing it); syncs pipeline —
 *   commits made while one is in flight wait for the next, which covers them all;
 * - checkpoints (copying the WAL into the database file, with their own syncs) run in a worker
 *   thread on a second connection; SQLite's own checkpoint on the writer stays as a backstop at a
 *   much larger WAL size;
 * - with `thread`, commands (store/commands.ts: filing a report) run in the writer thread, on a
 *   connection of its own (store/write-thread.ts), statements, commit and sync of the log all
 *   there; the main connection's own writes pause that thread while they run, so the two never
 *   contend for SQLite's write lock.
 * Power loss therefore loses nothing acknowledged, exactly as with synchronous=FULL: an answer
 * leaves only after the WAL frames of its commit — and of every commit before it — are synced.
 */
import Database from 'better-sqlite3';
import { fdatasync, fdatasyncSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createCommands, type CommandName, type Commands } from './commands.ts';
import { startWriteThread } from './write-thread.ts';

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
  // Issue 6: only Open311 looks idempotency keys up by key alone (its tokens); every report paid
  // for a random insert into that index, now only Open311's do. Case numbers come from the
  // incidents' own primary key (max id of the day) instead of a counter row updated per report.
  `DROP INDEX idempotency_key;
   CREATE INDEX idempotency_open311_key ON idempotency (key) WHERE user_id LIKE 'apikey:%';
   DELETE FROM meta WHERE key LIKE 'incident-seq:%';`,
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
  /** fdatasync calls of the WAL (each covers every commit before it). */
  syncs: number;
}

export interface WriterOptions {
  /** Observes each group commit: writes in it, milliseconds inside the transaction. */
  onBatch?: (size: number, ms: number) => void;
  /**
   * Makes every commit so far durable, then calls back. Default: fdatasync of the database's WAL in
   * the thread pool (nothing for ':memory:'). Tests inject their own to hold or fail syncs.
   */
  sync?: (done: (err: Error | null) => void) => void;
  /** Observes each sync of the log: milliseconds it took (the wait every answer has after its commit). */
  onSync?: (ms: number) => void;
  /**
   * A failed sync leaves the log's state unknown, and a writer thread that died its commands' fate:
   * every write from then on is refused.
   */
  onSyncError?: (err: Error) => void;
  /** Runs commands in a writer thread (file databases only; else, and by default, in place). */
  thread?: boolean;
  /** How often the checkpoint worker runs (ms); 0 leaves checkpoints to SQLite on the writer. */
  checkpointEveryMs?: number;
  /** The checkpoint worker failed; SQLite's backstop checkpoint on the writer takes over. */
  onCheckpointError?: (err: Error) => void;
}

export interface Writer {
  /** Runs `op` inside the next group transaction; resolves with its result once the commit is on disk. */
  write<T>(op: () => T): Promise<T>;
  /** Runs a command of store/commands.ts in the next group transaction (in the writer thread, if any); resolves once on disk. */
  command<K extends CommandName>(name: K, arg: Parameters<Commands[K]>[0]): Promise<ReturnType<Commands[K]>>;
  /** Commits what is queued, waits until it is on disk, stops the checkpoint worker (graceful shutdown). */
  close(): Promise<void>;
  readonly stats: GroupCommitStats;
}

/** WAL pages after which SQLite checkpoints on the writer itself, should the worker fall behind. */
export const BACKSTOP_CHECKPOINT_PAGES = 16_384;

export function createWriter(db: Db, options: WriterOptions = {}): Writer {
  interface Pending { op: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }
  let queue: Pending[] = [];
  let scheduled = false;
  const stats: GroupCommitStats = { batches: 0, writes: 0, lastBatchSize: 0, syncs: 0 };
  const file = db.memory ? null : db.name;

  const own = options.sync ? null : walSync(db);
  const checkpointer = file && options.checkpointEveryMs !== 0 ? startCheckpointer(file, options.checkpointEveryMs ?? 200, options.onCheckpointError) : null;
  if (checkpointer) db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  let failed: Error | null = null;
  const syncs = createSyncPipeline(options.sync ?? own?.sync ?? ((done) => done(null)), {
    onStart: () => stats.syncs++,
    onSync: options.onSync,
    onError(err) {
      failed ??= err;
      options.onSyncError?.(err);
    },
  });
  const afterSync = (cb: (err: Error | null) => void): void => (failed ? cb(failed) : syncs.afterSync(cb));

  const thread = options.thread && file ? startWriteThread(file, {
    onBatch(size, ms) {
      stats.batches++;
      stats.writes += size;
      stats.lastBatchSize = size;
      options.onBatch?.(size, ms);
    },
    onSync(ms) {
      stats.syncs++;
      options.onSync?.(ms);
    },
    onError(err) {
      failed ??= err;
      options.onSyncError?.(err);
    },
  }) : null;
  let inPlace: Commands | null = null; // without a thread, commands run as writes on this connection

  const flush = async (): Promise<void> => {
    // The thread commits what it has and waits; writes queued meanwhile join this batch.
    if (thread && !failed) await thread.pause().catch(() => undefined);
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return thread?.resume();
    if (failed) {
      for (const p of batch) p.reject(failed);
      return thread?.resume();
    }
    const started = performance.now();
    let outcomes: Outcome[];
    try {
      outcomes = runGroup(db, batch.map((p) => p.op));
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    } finally {
      thread?.resume();
    }
    stats.batches++;
    stats.writes += batch.length;
    stats.lastBatchSize = batch.length;
    options.onBatch?.(batch.length, performance.now() - started);
    // Refusals wait too: they may rest on a commit of this batch that is not on disk yet.
    afterSync((err) => batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (err) p.reject(err);
      else if (o.ok) p.resolve(o.value);
      else p.reject(o.error);
    }));
  };
  let flushing: Promise<void> = Promise.resolve();
  const write = <T>(op: () => T): Promise<T> => new Promise<T>((resolve, reject) => {
    queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
    if (!scheduled) {
      scheduled = true;
      setImmediate(() => (flushing = flush()));
    }
  });
  return {
    write,
    command(name, arg) {
      if (thread) return failed ? Promise.reject(failed) : thread.run(name, arg);
      const commands = (inPlace ??= createCommands(db));
      return write(() => (commands[name] as (a: typeof arg) => ReturnType<Commands[typeof name]>)(arg));
    },
    async close() {
      // Lets a scheduled flush run (setImmediate callbacks run in order), then waits for it.
      do {
        await new Promise((resolve) => setImmediate(resolve));
        await flushing;
      } while (scheduled);
      await thread?.close();
      await new Promise<void>((resolve) => afterSync(() => resolve()));
      await checkpointer?.stop();
      own?.close();
    },
    stats,
  };
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
type Sync = (done: (err: Error | null) => void) => void;

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
 * Syncs of the log, pipelined: callbacks that arrive while one sync runs wait for the next, which
 * covers them all. After a failed sync every callback gets that error: the log's state is unknown.
 */
function createSyncPipeline(sync: Sync, hooks: { onStart?(): void; onSync?(ms: number): void; onError?(err: Error): void } = {}) {
  let syncing = false;
  let failed: Error | null = null;
  let waiting: ((err: Error | null) => void)[] = [];
  const start = (): void => {
    syncing = true;
    const covered = waiting;
    waiting = [];
    hooks.onStart?.();
    const started = performance.now();
    sync((err) => {
      syncing = false;
      hooks.onSync?.(performance.now() - started);
      if (err && !failed) {
        failed = err;
        hooks.onError?.(err);
      }
      for (const cb of covered) cb(failed);
      if (waiting.length > 0) start();
    });
  };
  return {
    afterSync(cb: (err: Error | null) => void): void {
      if (failed) return cb(failed);
      waiting.push(cb);
      if (!syncing) start();
    },
  };
}

/**
 * Runs `ops` in one transaction, each in a savepoint of its own: one refused op rolls back alone
 * and the rest still commit. Throws (and commits nothing) only if the transaction itself fails.
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
  if (!s) savepoints.set(db, (s = { savepoint: db.prepare('SAVEPOINT w'), release: db.prepare('RELEASE w'), rollbackTo: db.prepare('ROLLBACK TO w') }));
  const { savepoint, release, rollbackTo } = s;
  const outcomes: Outcome[] = [];
  db.transaction(() => {
    for (const op of ops) {
      savepoint.run();
      try {
        outcomes.push({ ok: true, value: op() });
        release.run();
      } catch (error) {
        rollbackTo.run();
        release.run();
        outcomes.push({ ok: false, error });
      }
    }
  }).immediate();
  return outcomes;
}
const savepoints = new WeakMap<Db, { savepoint: Database.Statement; release: Database.Statement; rollbackTo: Database.Statement }>();

/**
 * The checkpoint worker: a second connection in its own thread that runs PASSIVE checkpoints every
 * `everyMs` (they never block the writer; the checkpoint syncs happen in that thread). Plain
 * JavaScript evaluated in the worker, so that it loads the same way under tsx, Vite and Vitest.
 */
function startCheckpointer(file: string, everyMs: number, onError?: (err: Error) => void): { stop(): Promise<void> } {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads');
    const Database = require(workerData.driver);
    const db = new Database(workerData.file, { fileMustExist: true });
    const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} };
    const timer = setInterval(checkpoint, workerData.everyMs);
    parentPort.on('message', () => { clearInterval(timer); checkpoint(); db.close(); parentPort.close(); });
  `, { eval: true, workerData: { driver, file, everyMs }, execArgv: [] });
  worker.unref();
  worker.on('error', (err) => onError?.(err));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    stop() {
      worker.ref(); // the process waits for the last checkpoint instead of ending under it
      worker.postMessage('stop');
      return exited;
    },
  };
}
