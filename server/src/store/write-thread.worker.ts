/**
 * The writer thread's body (started by write-thread.ts, which describes the protocol): its own
 * connection to the database, and one transaction for every command that arrived while the last
 * one committed. A command's refusal rolls back only its own savepoint. As on the main connection
 * (sqlite.ts), the WAL is synced by fdatasync in the thread pool, pipelined, and a batch is answered
 * once its sync is done; a failed sync ends the thread, and the server with it.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { createCommands } from './commands.ts';
import { BACKSTOP_CHECKPOINT_PAGES, createSyncPipeline, runGroup, walSync } from './sqlite.ts';
import { toThreadError, type CommandResult, type FromThread, type QueuedCommand, type ToThread } from './write-thread.ts';

const port = parentPort!;
const post = (m: FromThread): void => port.postMessage(m);
const db = new Database((workerData as { file: string }).file, { fileMustExist: true });
const log = walSync(db)!;
const syncs = createSyncPipeline(log.sync, {
  onSync: (ms) => post({ t: 'synced', ms }),
  onError(err) {
    setImmediate(() => {
      throw err;
    });
  },
});
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
const commands = createCommands(db) as Record<string, (arg: unknown) => unknown>;

let queue: QueuedCommand[] = [];
let paused = false;
let scheduled = false;

const flush = (): void => {
  const batch = queue;
  queue = [];
  if (batch.length === 0) return;
  const started = performance.now();
  let results: CommandResult[];
  try {
    const outcomes = runGroup(db, batch.map((c) => () => commands[c.name]!(c.arg)));
    results = outcomes.map((o, i): CommandResult => (o.ok ? { id: batch[i]!.id, ok: true, value: o.value } : { id: batch[i]!.id, ok: false, error: toThreadError(o.error) }));
  } catch (error) {
    return post({ t: 'failed', ids: batch.map((c) => c.id), error: toThreadError(error) });
  }
  const ms = performance.now() - started;
  // Refusals wait too: they may rest on a commit of this batch that is not on disk yet.
  syncs.afterSync((err) => {
    if (!err) post({ t: 'batch', results, ms });
  });
};
const schedule = (): void => {
  if (scheduled || paused || queue.length === 0) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    if (!paused) flush();
  });
};

port.on('message', (m: ToThread) => {
  switch (m.t) {
    case 'run':
      queue.push(m.command);
      schedule();
      break;
    case 'pause':
      flush();
      paused = true;
      post({ t: 'paused' });
      break;
    case 'resume':
      paused = false;
      schedule();
      break;
    case 'close':
      flush();
      syncs.afterSync(() => {
        db.close();
        log.close();
        post({ t: 'closed' });
        port.close();
      });
      break;
  }
});
