import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.ts';
import { createWriter, type Writer } from './writer.ts';

const open: { db: Db; writer: Writer }[] = [];
const holds: HeldSync[] = [];
afterEach(async () => {
  for (const h of holds.splice(0)) h.letGo();
  for (const { db, writer } of open.splice(0)) {
    await writer.close().catch(() => undefined);
    db.close();
  }
});

function fileDb(): { db: Db; file: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'lst-writer-')), 'w.sqlite');
  const db = openDatabase(file);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)');
  return { db, file };
}

interface HeldSync {
  held: ((err: Error | null) => void)[];
  sync(done: (err: Error | null) => void): void;
  release(err?: Error | null): void;
  letGo(): void;
}

/** A sync the test completes by hand (until letGo: then every sync completes at once). */
function heldSync(): HeldSync {
  const held: ((err: Error | null) => void)[] = [];
  let holding = true;
  const h: HeldSync = {
    held,
    sync: (done: (err: Error | null) => void) => (holding ? void held.push(done) : done(null)),
    release: (err: Error | null = null) => held.shift()!(err),
    letGo() {
      holding = false;
      while (held.length > 0) h.release();
    },
  };
  holds.push(h);
  return h;
}

/** A file database with a writer whose syncs the test completes by hand. */
function heldWriter(options: { onSyncError?: (err: Error) => void } = {}) {
  const { db } = fileDb();
  const s = heldSync();
  const writer = createWriter(db, { sync: s.sync, checkpointEveryMs: 0, ...options });
  open.push({ db, writer });
  return { db, s, writer, insert: db.prepare('INSERT INTO t (v) VALUES (?)') };
}

const settled = async <T>(p: Promise<T>): Promise<'pending' | 'resolved' | 'rejected'> => {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  return state;
};

describe('group-commit writer', () => {
  it('answers a write only after a sync that began after its commit', async () => {
    const { db, s, writer, insert } = heldWriter();
    const first = writer.write(() => insert.run('a').lastInsertRowid);
    expect(await settled(first)).toBe('pending');
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 }); // committed, not yet answered
    expect(s.held).toHaveLength(1);

    const second = writer.write(() => insert.run('b').lastInsertRowid); // commits while the first sync runs
    expect(await settled(second)).toBe('pending');
    expect(s.held).toHaveLength(1); // it waits for the next sync, not this one
    s.release();
    expect(await first).toBe(1);
    expect(await settled(second)).toBe('pending');
    expect(s.held).toHaveLength(1);
    s.release();
    expect(await second).toBe(2);
    expect(writer.stats).toMatchObject({ batches: 2, writes: 2, syncs: 2 });
  });

  it('covers every commit made during a sync with one next sync', async () => {
    const { s, writer, insert } = heldWriter();
    const first = writer.write(() => insert.run('x'));
    await settled(first);
    const later = [];
    for (let i = 0; i < 5; i++) {
      later.push(writer.write(() => insert.run(`y${i}`)));
      await new Promise((r) => setImmediate(r)); // each in its own group commit
    }
    expect(writer.stats.batches).toBe(6);
    s.release();
    await first;
    expect(s.held).toHaveLength(1);
    expect(await settled(Promise.race(later))).toBe('pending');
    s.release();
    await Promise.all(later);
    expect(writer.stats.syncs).toBe(2);
  });

  it('rolls a refused write back alone and refuses it only after the sync', async () => {
    const { db, s, writer, insert } = heldWriter();
    const ok = writer.write(() => insert.run('same'));
    const refused = writer.write(() => {
      insert.run('other');
      insert.run('same'); // UNIQUE: this write rolls back, 'other' with it
    });
    expect(await settled(refused)).toBe('pending');
    s.release();
    await ok;
    await expect(refused).rejects.toThrow(/UNIQUE/);
    expect(db.prepare('SELECT v FROM t ORDER BY id').all()).toEqual([{ v: 'same' }]);
  });

  it('refuses the waiting writes and every later one when a sync fails', async () => {
    const errors: Error[] = [];
    const { s, writer } = heldWriter({ onSyncError: (e) => errors.push(e) });
    let ran = 0;
    const first = writer.write(() => ++ran);
    await settled(first);
    s.release(new Error('EIO'));
    await expect(first).rejects.toThrow('EIO');
    expect(errors.map((e) => e.message)).toEqual(['EIO']);
    await expect(writer.write(() => ++ran)).rejects.toThrow('EIO');
    expect(ran).toBe(1);
  });

  it('by default syncs the log itself under synchronous=NORMAL and checkpoints in a worker thread', async () => {
    const { db, file } = fileDb();
    const writer = createWriter(db, { checkpointEveryMs: 50 });
    open.push({ db, writer });
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL: the writer syncs the WAL
    const before = statSync(file).size;
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    await Promise.all(Array.from({ length: 300 }, (_, i) => writer.write(() => insert.run(`${i}-${'x'.repeat(200)}`))));
    expect(writer.stats.syncs).toBeGreaterThan(0);
    // The rows are in the WAL; the worker copies them into the database file on its own connection.
    for (let i = 0; i < 100 && statSync(file).size <= before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(statSync(file).size).toBeGreaterThan(before);
    await writer.close();
    const reader = new Database(file, { readonly: true });
    expect(reader.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 300 });
    reader.close();
  });

  it('waits for another connection that holds the write lock, even when the write reads first', async () => {
    // Another connection (the writer thread's, or a reader that briefly takes the lock to re-read a
    // WAL-index header it caught mid-update) holds the lock. A transaction that began DEFERRED and
    // read first would upgrade to a write without the busy handler: SQLITE_BUSY at once (the
    // report command reads the day's last case number before its inserts).
    const { db, file } = fileDb();
    const writer = createWriter(db, { checkpointEveryMs: 0 });
    open.push({ db, writer });
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const other = new Worker(
      `
      const { parentPort, workerData } = require('node:worker_threads');
      const db = new (require(workerData.driver))(workerData.file, { fileMustExist: true });
      db.exec('BEGIN IMMEDIATE');
      db.prepare('INSERT INTO t (v) VALUES (?)').run('other');
      parentPort.postMessage('locked');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      db.exec('COMMIT');
      db.close();
    `,
      { eval: true, workerData: { driver, file } },
    );
    const exited = new Promise((resolve) => other.once('exit', resolve));
    await new Promise((resolve) => other.once('message', resolve));
    const count = db.prepare('SELECT count(*) AS n FROM t');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const n = await writer.write(() => {
      const before = (count.get() as { n: number }).n;
      insert.run('mine');
      return before;
    });
    await exited;
    expect(n).toBe(1); // it ran after the other connection's commit, and saw it
    expect(db.prepare('SELECT v FROM t ORDER BY id').pluck().all()).toEqual(['other', 'mine']);
  });

  it('answers at once for an in-memory database', async () => {
    const db = openDatabase(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const writer = createWriter(db);
    open.push({ db, writer });
    expect(await writer.write(() => db.prepare('INSERT INTO t (v) VALUES (?)').run('m').changes)).toBe(1);
  });
});
