/**
 * `npm run bench:report-cost -- --reports 20000`: what one report costs the event loop, in process
 * (no HTTP, no load generator), against a preview of the same report, and where the report's SQLite
 * time goes, statement by statement.
 *
 * The app is built as `npm start` builds it (createApp: WAL, group commit, checkpoint worker) on a
 * fresh database; reports go through the incident service 16 at a time (as the ingest row's 50
 * connections give ≈ 16 per group commit), at random points in the district's grids, with
 * duplicate detection on. Previews and reports alternate twice so that neither gets only the cold
 * or only the warm run. Each prepared statement's run/get/all is timed (a wrapper on better-sqlite3's
 * Statement prototype, ≈ 1 µs per call of its own). Reports are filed on the event loop
 * (WRITE_THREAD=0, not the default: the statements must run, and be timed, on this thread; in the
 * writer thread they are that thread's work; bench/ingest.ts compares the two). Writes bench/results/report-cost.json.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createApp } from '../server/src/app.ts';
import { loadConfig } from '../server/src/config.ts';
import { INCIDENT_CLASSES } from '../server/src/contract/incidents.ts';
import { createRandom } from '../server/src/domain/random.ts';
import { round, writeResult, tempDir } from './lib.ts';

const { values } = parseArgs({ options: { reports: { type: 'string', default: '20000' } } });
const N = Math.min(200_000, Number(values.reports));
const CONCURRENCY = 16;

const config = loadConfig({
  DATA_DIR: tempDir('lst-report-cost-'),
  DEMO: '1',
  SIMULATOR: '0',
  DEMO_PASSWORD: 'bench-pass-2026',
  SLA_TIME_SCALE: '1',
  LOG_LEVEL: 'silent',
  HOST: '127.0.0.1',
  PORT: '0',
  WRITE_THREAD: '0',
});
const app = createApp(config, { autoSweep: false, logger: pino({ level: 'silent' }) });
const user = app.users.byUsername('dispatcher')!;
const random = createRandom(6);
const points: [number, number][] = [];
while (points.length < 20_000) {
  const p: [number, number] = [random.range(111.55, 111.68), random.range(26.38, 26.5)];
  if (app.geography.gridAt(p[0], p[1])) points.push(p);
}
const body = (i: number) => {
  const [lng, lat] = points[i % points.length]!;
  return {
    class: INCIDENT_CLASSES[i % INCIDENT_CLASSES.length],
    source: '网格员巡查',
    lng,
    lat,
    description: `压测上报 ${i}`,
    reporterName: '王某',
    reporterPhone: '13800000000',
  };
};

/** CPU of this process's main thread so far, µs (/proc: the thread whose id is the pid). */
const mainThreadUs = (): number => {
  const f = readFileSync(`/proc/${process.pid}/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
};

// Every statement's calls and time, keyed by the start of its SQL.
const statements = new Map<string, { ms: number; calls: number }>();
let timing = false;
const proto = Object.getPrototypeOf(app.db.prepare('SELECT 1')) as Record<'run' | 'get' | 'all', (...a: unknown[]) => unknown> & {
  source: string;
};
for (const method of ['run', 'get', 'all'] as const) {
  const original = proto[method];
  proto[method] = function (this: { source: string }, ...args: unknown[]) {
    if (!timing) return original.apply(this, args);
    const started = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      const key = this.source.replace(/\s+/g, ' ').slice(0, 48);
      const s = statements.get(key) ?? { ms: 0, calls: 0 };
      s.ms += performance.now() - started;
      s.calls++;
      statements.set(key, s);
    }
  };
}

let k = 0;
const totals = { preview: { us: 0, ops: 0 }, report: { us: 0, ops: 0 } };
for (const mode of ['preview', 'report', 'preview', 'report'] as const) {
  timing = mode === 'report';
  const before = mainThreadUs();
  for (let i = 0; i < N / 2; i += CONCURRENCY) {
    const batch: Promise<unknown>[] = [];
    for (let j = 0; j < CONCURRENCY; j++) {
      const n = k++;
      batch.push(
        mode === 'report' ? app.incidents.report(body(n), user, `report-cost-${n}`) : Promise.resolve(app.incidents.preview(body(n), user)),
      );
    }
    await Promise.all(batch);
  }
  totals[mode].us += mainThreadUs() - before;
  totals[mode].ops += N / 2;
}
timing = false;
const reports = totals.report.ops;
const perReport = [...statements]
  .map(([sql, s]) => ({ sql, calls: s.calls, usPerReport: round((s.ms * 1000) / reports, 1) }))
  .sort((a, b) => b.usPerReport - a.usPerReport);
const sqliteUs = round(
  perReport.reduce((sum, s) => sum + s.usPerReport, 0),
  1,
);
const result = {
  reports,
  concurrency: CONCURRENCY,
  groupCommits: app.writer.stats.batches,
  previewMainUsPerOp: round(totals.preview.us / totals.preview.ops, 1),
  reportMainUsPerOp: round(totals.report.us / totals.report.ops, 1),
  sqliteStatementsUsPerReport: sqliteUs,
  statements: perReport,
};
await app.close();

console.table(perReport);
console.log(
  `main thread per operation: preview ${result.previewMainUsPerOp} µs, report ${result.reportMainUsPerOp} µs; ` +
    `the report's SQLite statements ${sqliteUs} µs of it (${reports} reports, ${result.groupCommits} group commits)`,
);
console.log(`wrote ${writeResult('report-cost', result)}`);
