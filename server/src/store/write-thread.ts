/**
 * The writer thread, seen from the event loop: a worker thread with a write connection of its own
 * that runs commands (the writer's command module) in group transactions and answers each batch once it is
 * on disk. Its body is write-thread.worker.ts.
 *
 * Two connections never write at once: the main connection's writes (Writer.write) first pause the
 * thread — it commits what it has and waits — and resume it when their transaction has committed.
 * Answers from the thread arrive in the order it committed, but may cross those of the main
 * connection (each is answered after its own sync): the incident service keeps the later version.
 */
import { Worker } from 'node:worker_threads';
import { DomainError, type ErrorCode } from '../contract/errors.ts';

export interface QueuedCommand {
  id: number;
  name: string;
  arg: unknown;
}
/** A refused command's error, as it crosses threads (a DomainError keeps its code and fields). */
export interface ThreadError {
  message: string;
  stack?: string;
  /** SQLite's or the file system's error code (SQLITE_FULL, ENOSPC …), for the caller's classification. */
  errno?: string;
  code?: ErrorCode;
  fields?: Record<string, string>;
}
export type CommandResult = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ThreadError };

export type ToThread = { t: 'run'; command: QueuedCommand } | { t: 'pause' } | { t: 'resume' } | { t: 'close' };
export type FromThread =
  /** A group committed and synced: its results, milliseconds inside the transaction and in the sync. */
  | { t: 'batch'; results: CommandResult[]; ms: number; syncMs: number }
  /** The whole transaction failed (nothing of it committed). A failed sync ends the thread instead. */
  | { t: 'failed'; ids: number[]; error: ThreadError }
  | { t: 'paused' }
  | { t: 'closed' };

export interface WriteThreadOptions {
  /** Each group commit of the thread, once on disk: commands in it, milliseconds inside the transaction. */
  onBatch?: (size: number, ms: number) => void;
  /** Each sync of the log in the thread: milliseconds it took. */
  onSync?: (ms: number) => void;
  /** The thread died: every command in flight was refused, and so is every one after. */
  onError?: (err: Error) => void;
}

export interface WriteThread {
  run(name: string, arg: unknown): Promise<unknown>;
  /** Resolves once the thread has committed what it had (its answers follow their syncs), and waits; resume() lets it go on. */
  pause(): Promise<void>;
  resume(): void;
  /** Commits what is queued, closes the thread's connection and ends the thread. */
  close(): Promise<void>;
}

const codeOf = (e: Error): string | undefined => {
  const code = (e as Error & { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
};

export const toThreadError = (e: unknown): ThreadError =>
  e instanceof DomainError
    ? { message: e.message, code: e.code, ...(e.fields ? { fields: e.fields } : {}) }
    : e instanceof Error
      ? {
          message: e.message,
          ...(e.stack ? { stack: e.stack } : {}),
          ...(codeOf(e) ? { errno: codeOf(e) } : {}),
        }
      : { message: String(e) };

const fromThreadError = (e: ThreadError): Error => {
  if (e.code) return new DomainError(e.code, e.message, e.fields);
  const err = new Error(e.message) as Error & { code?: string };
  if (e.stack) err.stack = e.stack;
  if (e.errno) err.code = e.errno;
  return err;
};

/** Starts the thread on `file`; it runs the commands that the module at `commandsUrl` creates. */
export function startWriteThread(file: string, commandsUrl: string, options: WriteThreadOptions = {}): WriteThread {
  // Messages posted while the thread still loads wait in its port until it listens. Compiled, the
  // thread runs its JavaScript directly; from TypeScript (tsx, Vitest) it first registers tsx's
  // loader in itself (write-thread.boot.mjs), since neither lends its loader to a worker thread.
  const compiled = import.meta.url.endsWith('.js');
  const entry = new URL(compiled ? './write-thread.worker.js' : './write-thread.worker.ts', import.meta.url);
  const worker = new Worker(compiled ? entry : new URL('./write-thread.boot.mjs', import.meta.url), {
    // Only profiling flags pass on (SERVER_PROF in the benches profiles the thread too), not tsx's loader.
    execArgv: process.execArgv.filter((a) => a.startsWith('--cpu-prof')),
    workerData: { file, commands: commandsUrl, entry: entry.href },
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  const pauses: { resolve(): void; reject(e: unknown): void }[] = [];
  let nextId = 1;
  let dead: Error | null = null;
  let closing: Promise<void> | null = null;
  let closed: () => void = () => undefined;

  const post = (m: ToThread): void => worker.postMessage(m);
  const die = (err: Error): void => {
    if (dead) return;
    dead = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    for (const p of pauses.splice(0)) p.reject(err);
    options.onError?.(err);
  };

  worker.on('message', (m: FromThread) => {
    switch (m.t) {
      case 'batch':
        options.onSync?.(m.syncMs);
        options.onBatch?.(m.results.length, m.ms);
        for (const r of m.results) {
          const p = pending.get(r.id);
          pending.delete(r.id);
          if (r.ok) p?.resolve(r.value);
          else p?.reject(fromThreadError(r.error));
        }
        break;
      case 'failed': {
        const err = fromThreadError(m.error);
        for (const id of m.ids) {
          pending.get(id)?.reject(err);
          pending.delete(id);
        }
        break;
      }
      case 'paused':
        pauses.shift()?.resolve();
        break;
      case 'closed':
        closed();
        break;
    }
  });
  worker.on('error', (err) =>
    die(err instanceof Error && err.message ? err : new Error(`the writer thread failed: ${JSON.stringify(err)}`)),
  );
  worker.on('exit', (code) => {
    if (!closing) die(new Error(`the writer thread exited (code ${code})`));
    closed();
  });

  return {
    run(name, arg) {
      if (dead) return Promise.reject(dead);
      if (closing) return Promise.reject(new Error('the writer is closed'));
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        // Posted at once, not gathered per turn of the event loop: the thread gathers what arrives
        // while it commits, and starting sooner answered sooner (bench:ingest, 50 connections:
        // 2,734–2,977 → 3,465–3,488 reports/s, in alternate runs of the same hour).
        post({ t: 'run', command: { id, name, arg } });
      });
    },
    pause() {
      if (dead) return Promise.reject(dead);
      if (closing) return Promise.reject(new Error('the writer is closed'));
      return new Promise<void>((resolve, reject) => {
        pauses.push({ resolve, reject });
        post({ t: 'pause' });
      });
    },
    resume() {
      if (!dead) post({ t: 'resume' });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        closed = resolve;
        if (dead) return resolve();
        post({ t: 'close' });
      });
      return closing;
    },
  };
}
