/**
 * The writer thread's body (started by write-thread.ts, which describes the protocol): its own
 * connection to the database, and one transaction for every command that arrived while the last
 * one committed and synced. A command's refusal rolls back only its own savepoint. As on the main
 * connection (writer.ts) the connection runs synchronous=NORMAL and the WAL is synced by fdatasync,
 * but here in this thread, right after each commit: a batch is answered once its sync is done,
 * and commands that arrive meanwhile wait in the port and make the next group. (The main
 * connection's sync is pipelined in libuv's thread pool instead, since its thread is the event
 * loop. Here that cost more than it saved: a sync's answer waited for this thread's current group,
 * and groups stayed small; syncing in place was faster in 9 of 10 alternating pairs of
 * bench:ingest's load: docs/decisions/writer-thread.md.) A failed sync throws: it ends the
 * thread, and the server with it.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { BACKSTOP_CHECKPOINT_PAGES, runGroup, walSync, type Db } from './database.ts';
import { toThreadError, type CommandResult, type FromThread, type QueuedCommand, type ToThread } from './write-thread.ts';

const port = parentPort!;
const post = (m: FromThread): void => port.postMessage(m);
const data = workerData as { file: string; commands: string };
const db = new Database(data.file, { fileMustExist: true });
const log = walSync(db)!;
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
const { createCommands } = (await import(data.commands)) as { createCommands(db: Db): Record<string, (arg: unknown) => unknown> };
const commands = createCommands(db);

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
    const outcomes = runGroup(
      db,
      batch.map((c) => () => commands[c.name]!(c.arg)),
    );
    results = outcomes.map((o, i): CommandResult =>
      o.ok ? { id: batch[i]!.id, ok: true, value: o.value } : { id: batch[i]!.id, ok: false, error: toThreadError(o.error) },
    );
  } catch (error) {
    return post({ t: 'failed', ids: batch.map((c) => c.id), error: toThreadError(error) });
  }
  const ms = performance.now() - started;
  // Refusals wait too: they may rest on a commit of this batch that is not on disk yet.
  const synced = performance.now();
  log.syncNow();
  post({ t: 'batch', results, ms, syncMs: performance.now() - synced });
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
      db.close();
      log.close();
      post({ t: 'closed' });
      port.close();
      break;
  }
});
