import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DomainError } from '../contract/errors.ts';
import { incidentFixture } from '../../../test/helpers/fixtures.ts';
import { reportCommands, type Commands, type ReportCommand } from '../services/commands.ts';
import { createSqliteNotificationRepository } from './notifications-repo.ts';
import { openDatabase, type Db } from './database.ts';
import { createWriter, type Writer } from './writer.ts';

const open: { db: Db; writer: Writer<Commands> }[] = [];
afterEach(async () => {
  for (const { db, writer } of open.splice(0)) {
    await writer.close().catch(() => undefined);
    db.close();
  }
});

function threaded(options: { onSyncError?: (err: Error) => void } = {}) {
  const file = join(mkdtempSync(join(tmpdir(), 'lst-write-thread-')), 'w.sqlite');
  const db = openDatabase(file);
  const writer = createWriter(db, { commands: reportCommands, thread: true, checkpointEveryMs: 0, ...options });
  open.push({ db, writer });
  return { db, file, writer };
}

const report = (i: number, over: Partial<ReportCommand> = {}): ReportCommand => ({
  draft: { ...incidentFixture({ priority: '一般' }), id: '' },
  day: '20261130',
  actor: { id: 'u-dispatcher', name: '调度员' },
  idempotencyKey: `key-${i}-abcdef`,
  requestHash: `hash-${i}`,
  at: '2026-11-30T02:00:00.000Z',
  primaryId: null,
  note: '',
  ...over,
});
const rows = (db: Db, sql: string): unknown[] => db.prepare(sql).all();

describe('writer thread', () => {
  it('files reports on its own connection, answered once stored, as they would be filed in place', async () => {
    const { db, writer } = threaded();
    const filed = await Promise.all(Array.from({ length: 40 }, (_, i) => writer.command('report', report(i))));
    expect(filed.map((o) => o.incident.id)).toEqual(Array.from({ length: 40 }, (_, i) => `20261130${String(i + 1).padStart(5, '0')}`));
    expect(filed.every((o) => o.created)).toBe(true);
    // The main connection sees every answered report; the thread's commits were counted.
    expect(rows(db, 'SELECT count(*) AS n FROM incidents')).toEqual([{ n: 40 }]);
    expect(rows(db, "SELECT count(*) AS n FROM incident_events WHERE type = 'report'")).toEqual([{ n: 40 }]);
    expect(writer.stats.writes).toBe(40);
    expect(writer.stats.syncs).toBe(writer.stats.batches); // each group synced in the thread before its answers
    expect(writer.stats.batches).toBeGreaterThan(0);

    const memory = openDatabase(':memory:');
    const inPlace = createWriter(memory, { commands: reportCommands });
    open.push({ db: memory, writer: inPlace });
    const same = await Promise.all(Array.from({ length: 40 }, (_, i) => inPlace.command('report', report(i))));
    expect(same).toEqual(filed);
  });

  it('answers a retry with the stored case, refuses a changed one with its code, and links a duplicate', async () => {
    const { db, writer } = threaded();
    const first = await writer.command('report', report(1));
    const [retry, changed, duplicate] = await Promise.allSettled([
      writer.command('report', report(1)),
      writer.command('report', report(1, { requestHash: 'other' })),
      writer.command('report', report(2, { primaryId: first.incident.id })),
    ]);
    expect(retry).toMatchObject({ status: 'fulfilled', value: { created: false, incident: { id: first.incident.id } } });
    expect(changed.status).toBe('rejected');
    const error = (changed as PromiseRejectedResult).reason as DomainError;
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('idempotency-mismatch');
    expect(duplicate).toMatchObject({
      status: 'fulfilled',
      value: { created: true, primary: { id: first.incident.id, duplicateCount: 1, version: 2 } },
    });
    expect(rows(db, 'SELECT id, version FROM incidents ORDER BY id')).toEqual([
      { id: first.incident.id, version: 2 },
      { id: '2026113000002', version: 1 },
    ]);
  });

  it('queues a report’s notifications in its transaction, for subscriptions made on the main connection', async () => {
    const { db, writer } = threaded();
    const subs = createSqliteNotificationRepository(db);
    await writer.write(() =>
      subs.subscribe(
        { name: '应急群', events: ['urgent'], scope: '431103', channel: 'webhook', url: 'http://127.0.0.1:9/hook' },
        'admin',
        '2026-11-30T01:00:00.000Z',
      ),
    );
    await writer.command('report', report(1, { draft: { ...incidentFixture({ priority: '紧急' }), id: '' } }));
    await writer.command('report', report(2)); // 一般: raises no event
    expect(rows(db, 'SELECT event, incident_id FROM deliveries')).toEqual([{ event: 'urgent', incident_id: '2026113000001' }]);
  });

  it('pauses while the main connection writes, so that both commit everything without contending', async () => {
    const { db, writer } = threaded();
    db.exec('CREATE TABLE side (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
    const insert = db.prepare('INSERT INTO side (n) VALUES (?)');
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      all.push(writer.command('report', report(i)));
      if (i % 3 === 0) all.push(writer.write(() => insert.run(i)));
      if (i % 25 === 0) await new Promise((r) => setImmediate(r));
    }
    const outcomes = await Promise.allSettled(all);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(rows(db, 'SELECT count(*) AS n FROM incidents')).toEqual([{ n: 300 }]);
    expect(rows(db, 'SELECT count(*) AS n FROM side')).toEqual([{ n: 100 }]);
  });

  it('commits what it was given before it closes', async () => {
    const { db, file, writer } = threaded();
    const pending = Array.from({ length: 25 }, (_, i) => writer.command('report', report(i)));
    await writer.close();
    await Promise.all(pending);
    const reader = new Database(file, { readonly: true });
    expect(reader.prepare('SELECT count(*) AS n FROM incidents').get()).toEqual({ n: 25 });
    reader.close();
    await expect(writer.command('report', report(99))).rejects.toThrow(/closed/);
    db.close();
    open.length = 0;
  });

  it('refuses every command, and reports the failure, when the thread cannot run', async () => {
    const errors: Error[] = [];
    // The database file is gone by the time the thread (which starts in the background) opens it.
    const { db } = threaded({ onSyncError: (e) => errors.push(e) });
    const writer = open[0]!.writer;
    rmSync(db.name);
    await expect(writer.command('report', report(1))).rejects.toThrow(/unable to open|does not exist|directory/);
    expect(errors).toHaveLength(1);
    await expect(writer.command('report', report(2))).rejects.toThrow();
    await expect(writer.write(() => 1)).rejects.toThrow();
  });
});
