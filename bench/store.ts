/**
 * `npm run bench:store -- --open 10000`: the two reads that grow with the working set, each against
 * the design it replaced, in the same run on the same data (the real app, in this process):
 * - the SLA sweep with N open cases, none of them due: ours reads only the cases whose next SLA
 *   check is due (nextSlaCheck); baseline: the previous sweep, which read every open case from the
 *   database and evaluated it;
 * - the first page (50) of the quietest grid's cases: ours is listQuery (the grid index, in order);
 *   baseline: the previous query, a LIKE prefix that cannot use that index and scans the newest cases;
 * - indicators for the district and for all 304 grids (every grid watched): ours gathers each scope's
 *   and each ranked unit's cases from the working set grouped by grid (indexCases, grouping
 *   included in the time); baseline: the same computation filtering the whole working set per
 *   scope and per unit, as before. Both must give identical indicators.
 * Event-loop milliseconds per call, median of 7. Writes bench/results/store.json.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createApp } from '../server/src/app.ts';
import { loadConfig } from '../server/src/config.ts';
import { INCIDENT_CLASSES, isOpenStage, type Incident } from '../server/src/contract/incidents.ts';
import { listIncidentsSchema } from '../server/src/contract/inputs.ts';
import { DEMO_GEOGRAPHY_DIR } from '../server/src/cli/geo-file.ts';
import { computeIndicators, indexCases, scopeUnits, type CaseIndex } from '../server/src/domain/indicators.ts';
import { createRandom } from '../server/src/domain/random.ts';
import { createSlaClock, slaUpdate } from '../server/src/domain/sla.ts';
import { inScope } from '../server/src/contract/geo.ts';
import { readGeographySet } from '../server/src/store/geography-files.ts';
import { listQuery } from '../server/src/store/incidents-repo.ts';
import { round, writeResult, tempDir } from './lib.ts';

const { values } = parseArgs({ options: { open: { type: 'string', default: '10000' } } });
const OPEN = Math.min(100_000, Number(values.open));
const ROUNDS = 7;

const config = loadConfig({
  DATA_DIR: tempDir('lst-store-'),
  DEMO: '1',
  SIMULATOR: '0',
  DEMO_PASSWORD: 'bench-pass-2026',
  SLA_TIME_SCALE: '1',
  LOG_LEVEL: 'silent',
  HOST: '127.0.0.1',
  PORT: '0',
  DUPLICATE_RADIUS_M: '0',
});
const app = createApp(config, { autoSweep: false, logger: pino({ level: 'silent' }) });
const dispatcher = app.users.byUsername('dispatcher')!;
const random = createRandom(11);
for (let n = 0; n < OPEN;) {
  const batch: Promise<unknown>[] = [];
  for (let j = 0; j < 100 && n < OPEN; j++, n++) {
    let p: [number, number];
    do p = [random.range(111.55, 111.68), random.range(26.38, 26.5)];
    while (!app.geography.gridAt(p[0], p[1]));
    batch.push(
      app.incidents.report(
        {
          class: INCIDENT_CLASSES[n % INCIDENT_CLASSES.length],
          source: '网格员巡查',
          lng: p[0],
          lat: p[1],
          description: `压测 ${n}`,
          reporterName: '王某',
          reporterPhone: '13800000000',
        },
        dispatcher,
        `store-bench-${n}`,
      ),
    );
  }
  await Promise.all(batch);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function timed(f: () => unknown): Promise<number> {
  await f(); // warm
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  return round(median(times), 2);
}

// The sweep before nextSlaCheck: every open case read and evaluated, inside one transaction.
const sla = createSlaClock(config.sla, config.calendar, config.slaTimeScale);
const byId = app.db.prepare<[string], { data: string }>('SELECT data FROM incidents WHERE id = ?');
const openIds = app.incidents
  .openIn('431103', Infinity)
  .items.filter((i) => i.deadline)
  .map((i) => i.id);
const previousSweep = (): number =>
  app.db.transaction(() => {
    let changed = 0;
    const now = new Date();
    for (const id of openIds) {
      const current = JSON.parse(byId.get(id)!.data) as Incident;
      if (isOpenStage(current.stage) && slaUpdate(current, now, sla, config.sla.amberAt)) changed++;
    }
    return changed;
  })();
if (previousSweep() !== 0) throw new Error('cases came due while the bench filled the store; run it again');
const sweep = { ours: await timed(() => app.incidents.sweep()), baseline: await timed(previousSweep) };

// The quietest grid's first page, newest first.
const quiet = app.db
  .prepare<[], { grid_code: string; n: number }>(
    'SELECT grid_code, count(*) AS n FROM incidents WHERE grid_code IS NOT NULL GROUP BY grid_code ORDER BY n LIMIT 1',
  )
  .get()!;
const query = listIncidentsSchema.parse({ limit: 50 });
const ours = listQuery(query, { prefix: quiet.grid_code });
const oursStatement = app.db.prepare(ours.sql);
const likeStatement = app.db.prepare(
  "SELECT data FROM incidents WHERE grid_code LIKE @prefix || '%' ORDER BY created_at DESC, id DESC LIMIT @limit",
);
const oursRows = oursStatement.all(ours.params);
if (JSON.stringify(oursRows) !== JSON.stringify(likeStatement.all({ prefix: quiet.grid_code, limit: query.limit + 1 })))
  throw new Error('the two queries disagree');
const list = {
  ours: await timed(() => oursStatement.all(ours.params)),
  baseline: await timed(() => likeStatement.all({ prefix: quiet.grid_code, limit: query.limit + 1 })),
};

// Indicators as the service computes them, for the district and for every grid.
const organisation = readGeographySet(DEMO_GEOGRAPHY_DIR).organisation;
const cases = app.incidents.workingSet();
const grids = app.geography.units('grid').map((g) => g.properties.code);
const indicatorsOf = (codes: string[], index: () => CaseIndex): string => {
  const incidents = index();
  const now = new Date();
  return JSON.stringify(
    codes.map((code) => ({
      ...computeIndicators({
        ...scopeUnits(app.geography, code),
        incidents,
        tasks: app.tasks.workingSet(),
        organisation,
        now,
      }),
      computedAt: '',
    })),
  );
};
const filtering = (): CaseIndex => ({ within: (code) => cases.filter((c) => inScope(code, c.gridCode)) });
const grouped = (): CaseIndex => indexCases(cases);
for (const codes of [['431103'], grids]) {
  if (indicatorsOf(codes, grouped) !== indicatorsOf(codes, filtering)) throw new Error('the two indicator computations disagree');
}
const indicators = {
  district: {
    ours: await timed(() => indicatorsOf(['431103'], grouped)),
    baseline: await timed(() => indicatorsOf(['431103'], filtering)),
  },
  allGrids: { ours: await timed(() => indicatorsOf(grids, grouped)), baseline: await timed(() => indicatorsOf(grids, filtering)) },
};
await app.close();

const result = {
  cases: app.incidents.workingSet().length,
  open: openIds.length,
  sweep: { ...sweep, ratio: round(sweep.baseline / sweep.ours, 1) },
  quietGridPage: {
    grid: quiet.grid_code,
    casesInGrid: quiet.n,
    rows: oursRows.length,
    ...list,
    ratio: round(list.baseline / list.ours, 1),
  },
  indicatorsDistrict: { ...indicators.district, ratio: round(indicators.district.baseline / indicators.district.ours, 1) },
  indicatorsAllGrids: {
    grids: grids.length,
    ...indicators.allGrids,
    ratio: round(indicators.allGrids.baseline / indicators.allGrids.ours, 1),
  },
};
console.table([
  {
    read: `SLA sweep, ${result.open} open cases, none due`,
    'ours ms': sweep.ours,
    'baseline ms': sweep.baseline,
    baseline: 'read and evaluate every open case',
    'ratio ×': result.sweep.ratio,
  },
  {
    read: `first page of the quietest grid (${quiet.n} of ${result.cases} cases)`,
    'ours ms': list.ours,
    'baseline ms': list.baseline,
    baseline: 'LIKE prefix scan',
    'ratio ×': result.quietGridPage.ratio,
  },
  {
    read: `indicators, district (${result.cases} cases)`,
    'ours ms': indicators.district.ours,
    'baseline ms': indicators.district.baseline,
    baseline: 'filter every case per scope and unit',
    'ratio ×': result.indicatorsDistrict.ratio,
  },
  {
    read: `indicators, all ${grids.length} grids`,
    'ours ms': indicators.allGrids.ours,
    'baseline ms': indicators.allGrids.baseline,
    baseline: 'filter every case per scope and unit',
    'ratio ×': result.indicatorsAllGrids.ratio,
  },
]);
console.log(`wrote ${writeResult('store', result)}`);
