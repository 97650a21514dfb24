// Starts the writer thread (write-thread.ts): registers tsx's loader in this thread, then loads
// its body. The server runs from TypeScript under tsx, and Vitest does not lend its loader to a
// worker thread, so the thread registers one itself, the same way in each.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
try {
  await import(workerData.entry);
} catch (e) {
  // better-sqlite3's errors lose their message on the way to the main thread; a plain Error keeps it.
  throw new Error(`the writer thread could not start: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}
