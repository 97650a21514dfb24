/**
 * The writer: group commit on the event loop, and the writer thread behind it.
 *
 * Every write queued in one turn of the event loop runs in a single transaction, each in its own
 * savepoint, and each caller's promise settles only once that transaction is on disk. The slow
 * parts of durability stay off the event loop:
 * - the log is synced by fdatasync of the write-ahead log in libuv's thread pool (the connection
 *   runs synchronous=NORMAL, which writes the WAL at commit without syncing it); syncs pipeline —
 *   commits made while one is in flight wait for the next, which covers them all;
 * - checkpoints (copying the WAL into the database file, with their own syncs) run in a worker
 *   thread on a second connection; SQLite's own checkpoint on the writer stays as a backstop at a
 *   much larger WAL size;
 * - commands (the caller's `commands`: filing a report) run with `thread` in the writer thread, on a
 *   connection of its own (write-thread.ts), statements, commit and sync of the log all there; the
 *   main connection's own writes pause that thread while they run, so the two never contend for
 *   SQLite's write lock. Without a thread they run here, as writes.
 * Power loss therefore loses nothing acknowledged, exactly as with synchronous=FULL: an answer
 * leaves only after the WAL frames of its commit — and of every commit before it — are synced.
 * docs/decisions/ tells how each of these was measured.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { BACKSTOP_CHECKPOINT_PAGES, runGroup, walSync, type Db, type Outcome, type Sync } from './database.ts';
import { DomainError } from '../contract/errors.ts';
import { startWriteThread } from './write-thread.ts';

/**
 * Named writes whose argument and result cross threads (structured clone): the module that makes
 * them is loaded by the writer thread too, by its URL. The store knows no command by name.
 */
export type CommandSet = Record<string, (arg: never) => unknown>;
export interface CommandModule<C extends CommandSet> {
  /** The module's URL: it must export `createCommands(db)`, as `create` does. */
  url: string;
  create(db: Db): C;
}

interface GroupCommitStats {
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
  /**
   * A write failed for a storage fault (isStorageFault): its caller gets `storage-unavailable`, and
   * the writer reports itself unhealthy until a write succeeds again.
   */
  onStorageFault?: (err: unknown) => void;
}

/**
 * SQLite's and the file system's errors that say the disk or the database file is failing — full,
 * unreadable, read-only, corrupt — rather than anything about the write itself.
 */
function isStorageFault(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(SQLITE_(FULL|IOERR|CORRUPT|NOTADB|CANTOPEN|READONLY|PROTOCOL)|ENOSPC|EIO|EROFS|EDQUOT)/.test(code);
}

/** The store's state for health checks: the storage fault that refused the latest writes, until one succeeds. */
interface StoreHealth {
  fault: { since: string; message: string } | null;
}

export interface Writer<C extends CommandSet = CommandSet> {
  /** Runs `op` inside the next group transaction; resolves with its result once the commit is on disk. */
  write<T>(op: () => T): Promise<T>;
  /** Runs a command in the next group transaction (in the writer thread, if any); resolves once on disk. */
  command<K extends keyof C & string>(name: K, arg: Parameters<C[K]>[0]): Promise<ReturnType<C[K]>>;
  /** Whether writes are failing for a storage fault now. */
  health(): StoreHealth;
  /** Commits what is queued, waits until it is on disk, stops the checkpoint worker (graceful shutdown). */
  close(): Promise<void>;
  readonly stats: GroupCommitStats;
}

/** `commands`: what `Writer.command` runs (none: only `write`). */
export function createWriter<C extends CommandSet = CommandSet>(
  db: Db,
  options: WriterOptions & { commands?: CommandModule<C> } = {},
): Writer<C> {
  interface Pending {
    op: () => unknown;
    resolve: (v: unknown) => void;
    reject: (e: unknown) => void;
  }
  let queue: Pending[] = [];
  let scheduled = false;
  const stats: GroupCommitStats = { batches: 0, writes: 0, lastBatchSize: 0, syncs: 0 };
  const file = db.memory ? null : db.name;

  const own = options.sync ? null : walSync(db);
  const checkpointer =
    file && options.checkpointEveryMs !== 0 ? startCheckpointer(file, options.checkpointEveryMs ?? 200, options.onCheckpointError) : null;
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

  const thread =
    options.thread && file && options.commands
      ? startWriteThread(file, options.commands.url, {
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
        })
      : null;
  let inPlace: C | null = null; // without a thread, commands run as writes on this connection
  const health: StoreHealth = { fault: null };
  /** What a failed write's caller gets: a storage fault as `storage-unavailable`, anything else as it is. */
  const refusal = (err: unknown): unknown => {
    if (!isStorageFault(err)) return err;
    health.fault ??= { since: new Date().toISOString(), message: err instanceof Error ? err.message : String(err) };
    options.onStorageFault?.(err);
    return new DomainError('storage-unavailable', '数据库暂时无法写入，本次操作未被记录，请稍后重试');
  };
  const recovered = (): void => void (health.fault = null);

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
      outcomes = runGroup(
        db,
        batch.map((p) => p.op),
      );
    } catch (error) {
      const err = refusal(error);
      for (const p of batch) p.reject(err);
      return;
    } finally {
      thread?.resume();
    }
    stats.batches++;
    stats.writes += batch.length;
    stats.lastBatchSize = batch.length;
    options.onBatch?.(batch.length, performance.now() - started);
    // Refusals wait too: they may rest on a commit of this batch that is not on disk yet.
    if (outcomes.some((o) => o.ok)) recovered();
    afterSync((err) =>
      batch.forEach((p, i) => {
        const o = outcomes[i]!;
        if (err) p.reject(err);
        else if (o.ok) p.resolve(o.value);
        else p.reject(refusal(o.error));
      }),
    );
  };
  let flushing: Promise<void> = Promise.resolve();
  const write = <T>(op: () => T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => (flushing = flush()));
      }
    });
  return {
    write,
    health: () => ({ fault: health.fault }),
    command(name, arg) {
      if (thread) {
        if (failed) return Promise.reject(failed);
        return thread.run(name, arg).then(
          (value) => (recovered(), value as ReturnType<C[typeof name]>),
          (err: unknown) => Promise.reject(refusal(err)),
        );
      }
      if (!options.commands) return Promise.reject(new Error(`no commands were given to the writer: ${name}`));
      const commands = (inPlace ??= options.commands.create(db));
      return write(() => (commands[name] as (a: typeof arg) => ReturnType<C[typeof name]>)(arg));
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
 * The checkpoint worker: a second connection in its own thread that runs PASSIVE checkpoints every
 * `everyMs` (they never block the writer; the checkpoint syncs happen in that thread). Plain
 * JavaScript evaluated in the worker, so that it loads the same way under tsx, Vite and Vitest.
 */
function startCheckpointer(file: string, everyMs: number, onError?: (err: Error) => void): { stop(): Promise<void> } {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(
    `
    const { parentPort, workerData } = require('node:worker_threads');
    const Database = require(workerData.driver);
    const db = new Database(workerData.file, { fileMustExist: true });
    const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} };
    const timer = setInterval(checkpoint, workerData.everyMs);
    parentPort.on('message', () => { clearInterval(timer); checkpoint(); db.close(); parentPort.close(); });
  `,
    { eval: true, workerData: { driver, file, everyMs }, execArgv: [] },
  );
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
