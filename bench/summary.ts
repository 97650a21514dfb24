/**
 * `npm run bench:summary`: one table of every performance row from the latest bench/results/*.json,
 * each with its baseline, ratio and target (the table of docs/performance.md). `npm run bench` runs
 * every benchmark and then this.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, 'results');
const read = <T>(name: string): T | null => (existsSync(join(dir, name)) ? (JSON.parse(readFileSync(join(dir, name), 'utf8')) as T) : null);
const latest = (prefix: string): string | null =>
  existsSync(dir)
    ? (readdirSync(dir)
        .filter((f) => f.startsWith(prefix))
        .sort()
        .at(-1) ?? null)
    : null;

interface Row {
  row: string;
  measured: string;
  baseline: string;
  ratio: string;
  target: string;
  met: string;
}
const rows: Row[] = [];
const yes = (ok: boolean): string => (ok ? 'yes' : 'NO');

type Locator = { label: string; oursMicros: number; naiveMicros: number; ratio: number; target: number; mismatches: number }[];
for (const r of read<Locator>('locator.json') ?? []) {
  rows.push({
    row: `locator, ${r.label}`,
    measured: `${r.oursMicros} µs/pt`,
    baseline: `turf loop ${r.naiveMicros} µs/pt`,
    ratio: `${r.ratio}×`,
    target: `≥ ${r.target}×, identical`,
    met: yes(r.ratio >= r.target && r.mismatches === 0),
  });
}

type Fan = {
  rows: {
    system: string;
    clients: number;
    rate: number;
    lost: number;
    latencyMs: { p99: number };
    fullClients?: { count: number; p99: number };
    deliveryMs?: { p99: number };
    cpuMicrosPerDelivered: number;
    serverCpuPercent: number;
    clientsCpuPercent: number;
    rssPerIdleConnectionKb: number;
    splitMs?: { acceptedToSentP99: number; sentToReceivedP99: number } | null;
    measuringLoopDelayMs?: { clientsP99: number };
  }[];
  cpuRatio: number | null;
};
const fullP99 = (r: Fan['rows'][number]): string =>
  (r.deliveryMs ? `; accepted → receipt p99 ${r.deliveryMs.p99} ms` : '') +
  (r.splitMs ? ` (accepted → sent ${r.splitMs.acceptedToSentP99}, sent → receipt ${r.splitMs.sentToReceivedP99})` : '') +
  (r.fullClients ? `; ${r.fullClients.count} full clients p99 ${r.fullClients.p99} ms` : '') +
  (r.measuringLoopDelayMs ? `; clients' process loop delay p99 ${r.measuringLoopDelayMs.clientsP99} ms` : '');
/**
 * The floors' delivery (raw ws coalesced per tick, no app): what the machine and the measuring
 * process allow, without a database and with a durable one-row commit before publishing.
 */
const floorOf = (f: Fan): string => {
  const floor = f.rows.find((r) => r.system.startsWith('floor'));
  const durable = f.rows.filter((r) => r.system.startsWith('durable floor'));
  return [
    floor ? `floor (raw ws, a frame per tick, no database): POST → receipt p99 ${floor.latencyMs.p99} ms${fullP99(floor)}` : '',
    ...durable.map(
      (d) =>
        `${d.system.replace(/^durable floor \(raw ws, a frame per \d+ ms, /, 'durable floor (')}: POST → receipt p99 ${d.latencyMs.p99} ms${fullP99(d)}`,
    ),
  ]
    .filter(Boolean)
    .join('; ');
};
const fan = read<Fan>('fanout-1000x100.json');
if (fan) {
  const ours = fan.rows[0]!;
  const ws = fan.rows.find((r) => r.system.startsWith('baseline'));
  rows.push({
    row: 'fan-out 1,000 clients × 100 events/s: delivery p99',
    measured: `POST → receipt p99 ${ours.latencyMs.p99} ms, lost ${ours.lost}${fullP99(ours)} (clients' process CPU ${ours.clientsCpuPercent} %)`,
    baseline: [ws ? `raw ws p99 ${ws.latencyMs.p99} ms` : '', floorOf(fan)].filter(Boolean).join('; '),
    ratio: '',
    target: '≤ 150 ms, 0 lost',
    met: yes(ours.latencyMs.p99 <= 150 && ours.lost === 0),
  });
  if (ws)
    rows.push({
      row: 'fan-out: server CPU per delivered message',
      measured: `${ours.cpuMicrosPerDelivered} µs (server ${ours.serverCpuPercent} %)`,
      baseline: `raw ws ${ws.cpuMicrosPerDelivered} µs`,
      ratio: `${fan.cpuRatio}×`,
      target: '≤ 2.5×',
      met: yes((fan.cpuRatio ?? Infinity) <= 2.5),
    });
  rows.push({
    row: 'memory: server RSS per idle connection',
    measured: `${ours.rssPerIdleConnectionKb} KB`,
    baseline: ws ? `raw ws ${ws.rssPerIdleConnectionKb} KB` : '',
    ratio: '',
    target: '≤ 50 KB',
    met: yes(ours.rssPerIdleConnectionKb <= 50),
  });
}

type IngestRun = { perSecond: number; latencyMs: { p99: number }; serverCpuUsPerRequest?: number; mainThreadCpuUsPerRequest?: number };
type Paced = { rate: number; reports: number; failures: number; latencyMs: { p50: number; p99: number } };
type Ingest = {
  generator?: string;
  baseline: IngestRun;
  ours: IngestRun;
  ratio: number;
  eventLoop?: IngestRun | null;
  paced?: Paced | null;
};
const ingest = read<Ingest>('ingest.json');
if (ingest) {
  const cpu = (r: IngestRun): string =>
    (r.serverCpuUsPerRequest ? `, server CPU ${r.serverCpuUsPerRequest} µs/req` : '') +
    (r.mainThreadCpuUsPerRequest ? ` (main thread ${r.mainThreadCpuUsPerRequest})` : '');
  rows.push({
    row: `ingest flood, 50 connections, durable (load: ${ingest.generator ?? 'autocannon'})`,
    measured: `${ingest.ours.perSecond}/s, p99 ${ingest.ours.latencyMs.p99} ms${cpu(ingest.ours)}`,
    baseline: `same server, no database (preview) ${ingest.baseline.perSecond}/s, p99 ${ingest.baseline.latencyMs.p99} ms${cpu(ingest.baseline)}`,
    ratio: `${ingest.ratio}×`,
    target: '≥ 0.8×',
    met: yes(ingest.ratio >= 0.8),
  });
  const paced = ingest.paced;
  if (paced)
    rows.push({
      row: `ingest at a steady ${paced.rate} reports/s`,
      measured: `p50 ${paced.latencyMs.p50} ms, p99 ${paced.latencyMs.p99} ms, ${paced.failures} failed`,
      baseline: '',
      ratio: '',
      target: 'p99 ≤ 50 ms, none failed',
      met: yes(paced.latencyMs.p99 <= 50 && paced.failures === 0),
    });
  // A design row: filing on the event loop (WRITE_THREAD=0) against the writer thread (the default), same run.
  if (ingest.eventLoop)
    rows.push({
      row: '(design) ingest: reports filed on the event loop (WRITE_THREAD=0)',
      measured: `${ingest.eventLoop.perSecond}/s, p99 ${ingest.eventLoop.latencyMs.p99} ms${cpu(ingest.eventLoop)}`,
      baseline: `in the writer thread ${ingest.ours.perSecond}/s`,
      ratio: `${Math.round((ingest.eventLoop.perSecond / ingest.ours.perSecond) * 100) / 100}×`,
      target: '',
      met: '',
    });
}

type Open311 = { cases: number; rows: { read: string; ms: number; 'ratio to first page': number }[] };
const open311 = read<Open311>('open311.json');
if (open311) {
  const [first, deepest] = open311.rows;
  if (first && deepest)
    rows.push({
      row: `Open311 GET requests, ${open311.cases} cases: ${deepest.read}`,
      measured: `${deepest.ms} ms`,
      baseline: `${first.read} ${first.ms} ms`,
      ratio: `${deepest['ratio to first page']}×`,
      target: 'cost by depth, not data',
      met: yes(deepest['ratio to first page'] <= 3),
    });
}

type ReportCost = {
  reports: number;
  previewMainUsPerOp: number;
  reportMainUsPerOp: number;
  sqliteStatementsUsPerReport: number;
  statements: { sql: string; usPerReport: number }[];
};
const cost = read<ReportCost>('report-cost.json');
// A design row: what the report's durable record costs, in process.
if (cost)
  rows.push({
    row: "(cost) a report's SQLite statements, in process",
    measured:
      `${cost.sqliteStatementsUsPerReport} µs per report (` +
      cost.statements
        .slice(0, 4)
        .map((s) => `${s.sql.split(' (')[0]} ${s.usPerReport}`)
        .join(', ') +
      ')',
    baseline: `main thread per report ${cost.reportMainUsPerOp} µs, per preview ${cost.previewMainUsPerOp} µs`,
    ratio: '',
    target: '',
    met: '',
  });

const e2e = read<Fan>('fanout-500x200.json');
if (e2e) {
  const o = e2e.rows[0]!;
  rows.push({
    row: 'end to end, 500 clients × 200 events/s: POST → receipt p99',
    measured: `${o.latencyMs.p99} ms, lost ${o.lost}${fullP99(o)} (clients' process CPU ${o.clientsCpuPercent} %)`,
    baseline: floorOf(e2e),
    ratio: '',
    target: '≤ 100 ms',
    met: yes(o.latencyMs.p99 <= 100 && o.lost === 0),
  });
}

type Client = {
  firstIdleMs: number;
  bareMapFirstIdleMs?: number;
  firstIdleRuns?: number[];
  bareMapFirstIdleRuns?: number[];
  wallMapAloneFirstIdleMs?: number;
  wallMapAloneFirstIdleRuns?: number[];
  mapConstructedMs?: { wall: number; wallMapAlone: number; bare: number };
  firstLoad?: Record<string, number>;
  rows: Record<string, number | string | boolean>[];
};
const client = read<Client>('client.json');
if (client) {
  const idle = client.rows.find((r) => r.path === 'idle (baseline)');
  const bare = client.rows.find((r) => r.layer === 'bare map points');
  for (const r of client.rows.filter((x) => x.layer === 'case points' && x.path !== 'idle (baseline)')) {
    rows.push({
      row: `client, 1,000 changes/s, case points by ${r.path}`,
      measured: `${r['long tasks > 50 ms']} long tasks, longest ${r['longest task ms']} ms, retained ${r.retained}`,
      baseline: [
        idle ? `idle wall: ${idle['long tasks > 50 ms']} long tasks, longest ${idle['longest task ms']} ms` : '',
        bare
          ? `bare MapLibre page, same changes by updateData: ${bare['long tasks > 50 ms']} long tasks, longest ${bare['longest task ms']} ms`
          : '',
      ]
        .filter(Boolean)
        .join('; '),
      ratio: '',
      target: 'no task > 50 ms, within bound',
      met: yes(r['long tasks > 50 ms'] === 0 && r['within bound'] === true),
    });
  }
  for (const r of client.rows.filter((x) => x.layer === 'grid colours')) {
    rows.push({
      row: `client, grid colours by ${r.path}`,
      measured: `${r['long tasks > 50 ms']} long tasks, longest ${r['longest task ms']} ms; ${r['main-thread ms per update']} ms main thread per update`,
      baseline: '',
      ratio: '',
      target: 'fastest path used (fewest long tasks)',
      met: '',
    });
  }
  const f = client.firstLoad;
  const runs = (xs?: number[]): string => (xs ? ` (median of ${xs.join(', ')})` : '');
  const built = client.mapConstructedMs;
  rows.push({
    row: 'client: first map idle at 1920×1080',
    measured:
      `${client.firstIdleMs} ms${runs(client.firstIdleRuns)}` +
      (built ? `; map constructed at ${built.wall} ms (alone ${built.wallMapAlone}, bare page ${built.bare})` : '') +
      (f
        ? `; main thread in a profiled load: WebGL context ${f.glContextMs} ms, shaders ${f.shadersMs} ms (software GL), other script ${f.otherScriptMs} ms, idle ${f.idleMs} ms; ${f.transferredKb} KB transferred`
        : ''),
    baseline: [
      client.wallMapAloneFirstIdleMs
        ? `the wall's map alone (its style, layers and size, no app): ${client.wallMapAloneFirstIdleMs} ms${runs(client.wallMapAloneFirstIdleRuns)}`
        : '',
      client.bareMapFirstIdleMs
        ? `bare MapLibre page, same grids: ${client.bareMapFirstIdleMs} ms${runs(client.bareMapFirstIdleRuns)}`
        : '',
    ]
      .filter(Boolean)
      .join('; '),
    ratio: client.wallMapAloneFirstIdleMs
      ? `${Math.round((client.firstIdleMs / client.wallMapAloneFirstIdleMs) * 100) / 100}× the map alone`
      : '',
    target: '≤ 3,000 ms',
    met: yes(client.firstIdleMs <= 3000),
  });
}

type Timed = { ours: number; baseline: number; ratio: number };
type Store = {
  open: number;
  cases: number;
  sweep: Timed;
  quietGridPage: Timed & { casesInGrid: number };
  indicatorsDistrict?: Timed;
  indicatorsAllGrids?: Timed & { grids: number };
};
const store = read<Store>('store.json');
if (store) {
  // Design rows: the event-loop stalls that grew with the working set (they showed in the p99s).
  rows.push({
    row: `(stalls) SLA sweep, ${store.open} open cases`,
    measured: `${store.sweep.ours} ms`,
    baseline: `read every open case ${store.sweep.baseline} ms`,
    ratio: `${store.sweep.ratio}×`,
    target: 'independent of open cases',
    met: '',
  });
  rows.push({
    row: `(stalls) quietest grid's first page, ${store.cases} cases`,
    measured: `${store.quietGridPage.ours} ms`,
    baseline: `LIKE scan ${store.quietGridPage.baseline} ms`,
    ratio: `${store.quietGridPage.ratio}×`,
    target: '',
    met: '',
  });
  for (const [label, t] of [
    ['district', store.indicatorsDistrict],
    [`all ${store.indicatorsAllGrids?.grids} grids`, store.indicatorsAllGrids],
  ] as const) {
    if (t)
      rows.push({
        row: `(stalls) indicators, ${label}, ${store.cases} cases`,
        measured: `${t.ours} ms`,
        baseline: `filter every case per scope and unit ${t.baseline} ms`,
        ratio: `${t.ratio}×`,
        target: '',
        met: '',
      });
  }
}

type Load = {
  seconds: number;
  samples: { heapMb: number; rssMb: number }[];
  heapMb: { middleThird: number; lastThird: number; kbPerCase?: number; growth?: number; growthByDesign?: number; residual?: number };
};
const soakFile = latest('load-');
const soak = soakFile ? read<Load>(soakFile) : null;
if (soak?.heapMb.residual !== undefined) {
  // Heap after a forced full GC. Every case of the soak stays in the 30-day working set, so the heap
  // grows by design; what it grows beyond that (per-case cost measured on fresh processes) is the residual.
  const h = soak.heapMb;
  const share = h.residual! / h.middleThird;
  rows.push({
    row: `memory: heap after full GC over a ${soak.seconds} s soak (middle → last third)`,
    measured: `${h.middleThird} → ${h.lastThird} MB; working set ${h.growthByDesign} MB of it (${h.kbPerCase} KB/case); residual ${h.residual} MB (RSS ${soak.samples.at(-1)!.rssMb} MB)`,
    baseline: '',
    ratio: `${Math.round(share * 1000) / 10} %`,
    target: 'flat: residual ≤ 2 % of heap',
    met: yes(share <= 0.02),
  });
}

console.table(rows);
console.log('The bundle budget (initial JS ≤ 650 KB gzip per route) is a test in npm test: test/build/bundle.test.ts.');
