/**
 * `npm run bench:writer-thread`: an experiment for the next step of the ingest row (not in `npm run
 * bench`). What would moving SQLite's writes to a thread of their own save the event loop per report,
 * and what would the messages cost it? The same report inserts (key, case row, event; one transaction
 * per batch of 16, synchronous=NORMAL as the writer runs) are run in place and in a worker thread
 * that answers each batch with the ids; both sides build the same commands. Prints the main
 * thread's CPU per report for each (from /proc/<pid>/task/<pid>), in the same run.
 * The statements are the core of a report's transaction only: the app's also numbers the case,
 * links duplicates and queues notifications, and its tables are larger (bench/ingest.ts).
 */
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { openDatabase } from '../server/src/store/sqlite.ts';
import { incidentFixture } from '../test/helpers/fixtures.ts';
import { cpuSeconds, round, writeResult } from './lib.ts';

const REPORTS = 40_000;
const BATCH = 16;
const IN_FLIGHT = 4;

// Plain JavaScript, evaluated in place and in the worker alike: `run(batch)` stores a batch in one transaction.
const STATEMENTS = `
  const key = db.prepare("INSERT INTO idempotency (user_id, key, request_hash, incident_id, created_at) VALUES ('bench', ?, 'h', ?, ?) ON CONFLICT DO NOTHING");
  const row = db.prepare("INSERT INTO incidents (id, stage, open, class, priority, source, grid_code, created_at, updated_at, deadline, sla_state, version, data) VALUES (@id, @stage, 1, @class, @priority, @source, @gridCode, @createdAt, @updatedAt, @deadline, @slaState, @version, @data)");
  const event = db.prepare("INSERT INTO incident_events (incident_id, type, actor_id, actor_name, at, from_stage, to_stage, note, patch) VALUES (?, 'report', 'bench', 'bench', ?, NULL, ?, '', ?)");
  const run = (batch) => db.transaction(() => batch.map(({ idempotencyKey, incident }) => {
    const data = JSON.stringify(incident);
    key.run(idempotencyKey, incident.id, incident.createdAt);
    row.run({ ...incident, data });
    event.run(incident.id, incident.createdAt, incident.stage, data);
    return incident.id;
  }))();
`;

const freshDatabase = (): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'lst-writer-thread-')), 'bench.sqlite');
  openDatabase(file).close();
  return file;
};
const t0 = Date.parse('2026-11-30T01:00:00Z');
const batchAt = (first: number) => Array.from({ length: BATCH }, (_, j) => {
  const n = first + j;
  const at = new Date(t0 + n * 10).toISOString();
  return {
    idempotencyKey: `writer-thread-${n}`,
    incident: incidentFixture({ id: `20261130${String(n + 1).padStart(5, '0')}`, gridCode: `431103${String(1 + ((n * 7919) % 304)).padStart(9, '0')}`, createdAt: at, updatedAt: at, deadline: at }),
  };
});
const mainThread = (): number => cpuSeconds(process.pid, process.pid) * 1e6;

function inPlace(): number {
  const db = openDatabase(freshDatabase());
  db.pragma('synchronous = NORMAL');
  const run = new Function('db', `${STATEMENTS}; return run;`)(db) as (batch: unknown[]) => string[];
  const cpu0 = mainThread();
  for (let n = 0; n < REPORTS; n += BATCH) run(batchAt(n));
  const us = (mainThread() - cpu0) / REPORTS;
  db.close();
  return us;
}

async function inWorker(): Promise<number> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads');
    const db = new (require(workerData.driver))(workerData.file);
    db.pragma('synchronous = NORMAL');
    ${STATEMENTS}
    parentPort.on('message', (batch) => parentPort.postMessage(run(batch)));
  `, { eval: true, workerData: { driver, file: freshDatabase() }, execArgv: [] });
  const cpu0 = mainThread();
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let waiting = 0;
    const send = (): void => {
      for (; waiting < IN_FLIGHT && sent < REPORTS; sent += BATCH, waiting++) worker.postMessage(batchAt(sent));
    };
    worker.on('error', reject);
    worker.on('message', () => {
      waiting--;
      if (sent >= REPORTS && waiting === 0) resolve();
      else send();
    });
    send();
  });
  const us = (mainThread() - cpu0) / REPORTS;
  await worker.terminate();
  return us;
}

const rounds: { inPlace: number; inWorker: number }[] = [];
for (let r = 0; r < 3; r++) rounds.push({ inPlace: await inPlace(), inWorker: await inWorker() });
const median = (xs: number[]): number => round([...xs].sort((a, b) => a - b)[1]!, 1);
const result = { reports: REPORTS, batch: BATCH, mainThreadUsPerReport: { inPlace: median(rounds.map((r) => r.inPlace)), inWorker: median(rounds.map((r) => r.inWorker)) } };
console.table([{ 'in place µs/report': result.mainThreadUsPerReport.inPlace, 'in a worker µs/report': result.mainThreadUsPerReport.inWorker, 'saved µs/report': round(result.mainThreadUsPerReport.inPlace - result.mainThreadUsPerReport.inWorker, 1) }]);
console.log('main-thread CPU per report, median of 3 alternating rounds; both include building the commands');
console.log(`wrote ${writeResult('writer-thread', result)}`);
