/**
 * `npm run bench:ingest -- --connections 50 --seconds 10`: HTTP ingest of durable reports, against
 * the same server's no-database endpoint, in one run; then the latency at a steady pace.
 *
 * The server runs as its own process (production settings: SQLite WAL, group commit, reports filed
 * in the writer thread; SLA clocks at real time; duplicate radius 50 m). The load generator keeps
 * `connections` requests in flight, each a report at a random point in a random grid with its own
 * Idempotency-Key, as a dispatcher: wrk when it is installed (one thread, bench/peers/wrk-report.lua),
 * else autocannon in this process (`--generator wrk|autocannon`). It shares the machine's cores with
 * the server.
 *
 * Baseline: POST /api/incidents/preview on the same Express server, which runs the same
 * authentication, validation, location, scope and duplicate check and answers without writing. It
 * runs first, on an empty case load; ours then files every case for real. The ratio ours/baseline
 * is the row's figure (target ≥ 0.8×).
 * Paced: `--paced-rate` reports a second (200) for `--paced-seconds` (10) on the same server, each
 * timed from when it was due (target p99 ≤ 50 ms).
 * A second server on a fresh database then takes the flood filing reports on the event loop
 * (WRITE_THREAD=0; `--event-loop no` skips it), for the writer thread's gain in the same run.
 * Writes bench/results/ingest.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { DEMO_GEOGRAPHY_DIR } from '../server/src/cli/geo-file.ts';
import { INCIDENT_CLASSES } from '../server/src/contract/incidents.ts';
import { createGeography } from '../server/src/domain/geography.ts';
import { createRandom } from '../server/src/domain/random.ts';
import { readGeographySet } from '../server/src/store/geography-files.ts';
import { freePort, startServerProcess, stopGracefully } from '../test/helpers/process.ts';
import { cpuSeconds, round, sleep, writeResult, tempDir } from './lib.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    // Profiling one side alone: SERVER_PROF=/tmp/prof npm run bench:ingest -- --only ours
    only: { type: 'string' },
    'event-loop': { type: 'string', default: 'yes' },
    'paced-rate': { type: 'string', default: '200' },
    'paced-seconds': { type: 'string', default: '10' },
    generator: { type: 'string', default: 'auto' },
  },
});
const CONNECTIONS = Math.min(500, Number(values.connections));
const SECONDS = Math.min(120, Number(values.seconds));
const PASSWORD = 'bench-pass-2026';

// Report points: uniformly random inside the district's grids (what the locator then places).
const set = readGeographySet(DEMO_GEOGRAPHY_DIR);
const geography = createGeography(set.geography, set.organisation.partyOrgs);
const random = createRandom(6);
const [x0, y0, x1, y1] = [111.55, 26.38, 111.68, 26.5];
const points: [number, number][] = [];
while (points.length < 20_000) {
  const p: [number, number] = [round(random.range(x0, x1), 6), round(random.range(y0, y1), 6)];
  if (geography.gridAt(p[0], p[1])) points.push(p);
}
const CLASSES = INCIDENT_CLASSES;

/** A server process on a fresh database, and a dispatcher's token for it. */
async function startServer(env: Record<string, string> = {}) {
  const dataDir = tempDir('lst-ingest-');
  const server = await startServerProcess(
    { DATA_DIR: dataDir, DEMO_PASSWORD: PASSWORD, LOG_LEVEL: 'error', SLA_TIME_SCALE: '1', ...env },
    await freePort(),
  );
  const login = (await (
    await fetch(`${server.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'dispatcher', password: PASSWORD }),
    })
  ).json()) as { token: string };
  return { server, target: { base: server.base, pid: server.child.pid!, token: login.token } };
}

let n = 0;

interface Generated {
  requests: number;
  ok(expectedStatus: number): number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** The generator's own CPU, when it runs as a process of its own (wrk). */
  cpuSeconds: number | null;
}

/** autocannon in this process: bodies built per request by setupRequest. */
async function autocannonRun(url: string, token: string | undefined, t0: number): Promise<Generated> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    method: 'POST',
    requests: [
      {
        setupRequest: (req) => {
          const i = n++;
          const [lng, lat] = points[i % points.length]!;
          return {
            ...req,
            headers: {
              ...(token ? { authorization: `Bearer ${token}` } : {}),
              'content-type': 'application/json',
              'idempotency-key': `ingest-${i}-${t0}`,
            },
            body: JSON.stringify({
              class: CLASSES[i % CLASSES.length],
              source: '网格员巡查',
              lng,
              lat,
              description: `压测上报 ${i}`,
              reporterName: '王某',
              reporterPhone: '13800000000',
            }),
          };
        },
      },
    ],
  });
  return {
    requests: result.requests.total,
    ok: (status) => result[`${Math.floor(status / 100)}xx` as '2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    cpuSeconds: null,
  };
}

/** wrk, one thread, the same requests from bench/peers/wrk-report.lua (it prints one `WRK {json}` line). */
async function wrkRun(url: string, token: string | undefined): Promise<Generated> {
  const child = spawn(
    'wrk',
    [
      '-t1',
      `-c${CONNECTIONS}`,
      `-d${SECONDS}s`,
      '--timeout',
      '10s',
      '-s',
      new URL('./peers/wrk-report.lua', import.meta.url).pathname,
      url,
    ],
    {
      env: { ...process.env, ...wrkFiles, TOKEN: token ?? '', RUN: String(Date.now()), TARGET_PATH: new URL(url).pathname },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += String(c)));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = /^WRK (\{.*\})$/m.exec(out)?.[1];
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}):\n${out}`);
  const r = JSON.parse(line) as {
    requests: number;
    status4xx5xx: number;
    socketErrors: number;
    timeouts: number;
    p50: number;
    p99: number;
    max: number;
    cpuSeconds: number;
  };
  // wrk counts answers ≥ 400 as errors; the keys are unique, so every other answer is the expected one.
  return {
    requests: r.requests,
    ok: () => r.requests - r.status4xx5xx,
    non2xx: r.status4xx5xx,
    errors: r.socketErrors,
    timeouts: r.timeouts,
    latencyMs: { p50: round(r.p50, 1), p99: round(r.p99, 1), max: round(r.max, 1) },
    cpuSeconds: r.cpuSeconds,
  };
}

const hasWrk = !spawnSync('wrk', ['--version']).error;
if (values.generator === 'auto') {
  values.generator = hasWrk ? 'wrk' : 'autocannon';
  if (!hasWrk)
    console.log('wrk is not installed (apt-get install wrk): autocannon generates the load, in this process, at ≈ 3× the CPU per request');
}
if (values.generator !== 'wrk' && values.generator !== 'autocannon')
  throw new Error(`--generator auto|wrk|autocannon, not ${values.generator}`);
if (values.generator === 'wrk' && !hasWrk) throw new Error('--generator wrk: wrk is not installed (apt-get install wrk)');
/** wrk reads the points and classes from files. */
const wrkFiles = (() => {
  if (values.generator !== 'wrk') return {};
  const dir = tempDir('lst-ingest-wrk-');
  writeFileSync(join(dir, 'points.txt'), points.map(([lng, lat]) => `${lng} ${lat}`).join('\n') + '\n');
  writeFileSync(join(dir, 'classes.txt'), CLASSES.join('\n') + '\n');
  return { POINTS: join(dir, 'points.txt'), CLASSES: join(dir, 'classes.txt') };
})();
const generate = (url: string, token: string | undefined, t0: number): Promise<Generated> =>
  values.generator === 'wrk' ? wrkRun(url, token) : autocannonRun(url, token, t0);

const { server, target: app } = await startServer();

async function run(path: string, expected: number, target: { base: string; pid: number; token?: string }) {
  await sleep(500);
  const pid = target.pid;
  const cpu0 = cpuSeconds(pid);
  const main0 = cpuSeconds(pid, pid);
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  // Meanwhile a dispatcher reads the queue (the API's list, 20 cases) every 50 ms: what a flood of
  // reports does to everything else the event loop serves.
  const reads: number[] = [];
  let reading = target.token !== undefined;
  const reader = (async () => {
    while (reading) {
      const started = performance.now();
      await (await fetch(`${target.base}/api/incidents?limit=20`, { headers: { authorization: `Bearer ${target.token}` } })).arrayBuffer();
      reads.push(performance.now() - started);
      await sleep(50);
    }
  })();
  const result = await generate(`${target.base}${path}`, target.token, t0);
  const elapsed = (performance.now() - t0) / 1000;
  reading = false;
  await reader;
  reads.sort((a, b) => a - b);
  const readMs = reads.length
    ? { p50: round(reads[Math.floor(reads.length / 2)]!), p99: round(reads[Math.floor(reads.length * 0.99)]!), n: reads.length }
    : null;
  const serverCpu = cpuSeconds(pid) - cpu0;
  const mainCpu = cpuSeconds(pid, pid) - main0;
  const own = process.cpuUsage(own0);
  // autocannon runs in this process (with the queue reader); wrk reports its own CPU.
  const generatorCpu = result.cpuSeconds ?? (own.user + own.system) / 1e6;
  const ok = result.ok(expected);
  return {
    path,
    connections: CONNECTIONS,
    seconds: SECONDS,
    requests: result.requests,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    perSecond: round(ok / elapsed),
    latencyMs: result.latencyMs,
    serverCpuPercent: round((serverCpu / elapsed) * 100),
    // The event loop's thread alone: it caps the rate once it is busy all the time.
    mainThreadCpuPercent: round((mainCpu / elapsed) * 100),
    mainThreadCpuUsPerRequest: round((mainCpu / ok) * 1e6),
    // CPU per answered request: the server's, and the load generator's on the same 2 cores.
    serverCpuUsPerRequest: round((serverCpu / ok) * 1e6),
    generatorCpuUsPerRequest: round((generatorCpu / ok) * 1e6),
    generatorCpuPercent: round((generatorCpu / elapsed) * 100),
    readMs,
  };
}

const skipped = {
  readMs: null,
  path: '',
  connections: 0,
  seconds: 0,
  requests: 0,
  ok: 0,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  perSecond: NaN,
  latencyMs: { p50: NaN, p99: NaN, max: NaN },
  serverCpuPercent: NaN,
  mainThreadCpuPercent: NaN,
  mainThreadCpuUsPerRequest: NaN,
  serverCpuUsPerRequest: NaN,
  generatorCpuUsPerRequest: NaN,
  generatorCpuPercent: NaN,
};
const baseline = values.only === 'ours' ? skipped : await run('/api/incidents/preview', 200, app);
const ours = values.only === 'baseline' ? skipped : await run('/api/incidents', 201, app);
const stored = await (await fetch(`${server.base}/metrics`)).text();
const paced = values.only
  ? null
  : await pacedRun(app as { base: string; token: string }, Number(values['paced-rate']), Number(values['paced-seconds']));
if (paced)
  console.log(
    `paced: ${paced.reports} reports at ${paced.rate}/s, p50 ${paced.latencyMs.p50} ms, p99 ${paced.latencyMs.p99} ms, max ${paced.latencyMs.max} ms, ${paced.failures} failed`,
  );
const metric = (name: string): number => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(stored)?.[1]);
const commits = {
  batches: metric('lst_commit_batch_size_count'),
  writes: metric('lst_commit_batch_size_sum'),
  // Every answer waits for a sync of the log after its commit: with 50 requests in flight, their time bounds the rate.
  syncs: metric('lst_wal_sync_seconds_count'),
  syncMsMean: round((1000 * metric('lst_wal_sync_seconds_sum')) / metric('lst_wal_sync_seconds_count'), 2),
};
await stopGracefully(server);

/** The same reports on a server that files them on the event loop (WRITE_THREAD=0), same run. */
async function eventLoopRun() {
  const { server: inPlace, target } = await startServer({ WRITE_THREAD: '0' });
  try {
    return await run('/api/incidents', 201, target);
  } finally {
    await stopGracefully(inPlace);
  }
}
const eventLoop = values['event-loop'] === 'no' || values.only ? null : await eventLoopRun();

/**
 * Reports at a steady `rate` a second for `seconds`, one every 1/rate s on schedule, each timed from
 * when it was due (a late send counts against the server, not hidden): the latency a district sees
 * at a busy hour's pace rather than under a flood.
 */
async function pacedRun(target: { base: string; token: string }, rate: number, seconds: number) {
  const latencies: number[] = [];
  let failures = 0;
  const t0 = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < rate * seconds; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const [lng, lat] = points[(n + i) % points.length]!;
    inFlight.push(
      fetch(`${target.base}/api/incidents`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${target.token}`,
          'content-type': 'application/json',
          'idempotency-key': `paced-${i}-${Math.round(t0)}`,
        },
        body: JSON.stringify({
          class: CLASSES[i % CLASSES.length],
          source: '网格员巡查',
          lng,
          lat,
          description: `定速上报 ${i}`,
          reporterName: '王某',
          reporterPhone: '13800000000',
        }),
      }).then(
        async (res) => {
          await res.arrayBuffer();
          if (res.status === 201) latencies.push(performance.now() - due);
          else failures++;
        },
        () => void failures++,
      ),
    );
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!, 1);
  return { rate, seconds, reports: latencies.length, failures, latencyMs: { p50: q(0.5), p99: q(0.99), max: round(latencies.at(-1)!, 1) } };
}

const ratio = round(ours.perSecond / baseline.perSecond, 2);
const tableRows = [
  { ...baseline, system: 'baseline: preview, no database' },
  { ...ours, system: 'ours: report, durable commit' },
];
if (eventLoop) tableRows.push({ ...eventLoop, system: 'ours, filed on the event loop' });
console.table(
  tableRows.map((r) => ({
    system: r.system,
    connections: r.connections,
    'requests/s': r.perSecond,
    'p50 ms': r.latencyMs.p50,
    'p99 ms': r.latencyMs.p99,
    'max ms': r.latencyMs.max,
    'non-2xx': r.non2xx,
    errors: r.errors,
    'server CPU %': r.serverCpuPercent,
    'server µs/req': r.serverCpuUsPerRequest,
    'main thread %': r.mainThreadCpuPercent,
    'main µs/req': r.mainThreadCpuUsPerRequest,
    [`${values.generator} CPU %`]: r.generatorCpuPercent,
    [`${values.generator} µs/req`]: r.generatorCpuUsPerRequest,
    'queue read p50/p99 ms': r.readMs ? `${r.readMs.p50} / ${r.readMs.p99}` : '',
  })),
);
console.log(
  `ours / no-database baseline: ${ratio}× the request rate; ${commits.writes} writes in ${commits.batches} group commits (${round(commits.writes / commits.batches)} per commit); ${commits.syncs} syncs of the log, ${commits.syncMsMean} ms each on average`,
);
// When server and load generator together keep both cores busy, the rate is set by CPU per request:
// 0.8× the baseline's rate allows the durable path this much more CPU per request than the baseline.
const perRequest = (r: typeof ours): number => r.serverCpuUsPerRequest + r.generatorCpuUsPerRequest;
const cpuBudget = {
  allowedExtraUs: round(perRequest(baseline) / 0.8 - perRequest(baseline)),
  actualExtraUs: round(perRequest(ours) - perRequest(baseline)),
};
console.log(
  `CPU per request (server + ${values.generator}): baseline ${round(perRequest(baseline))} µs, ours ${round(perRequest(ours))} µs; 0.8× allows ${cpuBudget.allowedExtraUs} µs more, the durable path takes ${cpuBudget.actualExtraUs} µs more`,
);
// Here the server shares the 2 cores with the load generator. Given them to itself, a design's rate is capped
// by its event loop (one core) and by its CPU on all threads (both cores), whichever comes first.
const capacity = (r: typeof ours): number => round(Math.min(1e6 / r.mainThreadCpuUsPerRequest, (2 * 1e6) / r.serverCpuUsPerRequest), 0);
if (eventLoop) {
  console.log(
    `the writer thread: ${round(ours.perSecond / eventLoop.perSecond, 2)}× the rate of filing on the event loop (main thread ${eventLoop.mainThreadCpuUsPerRequest} → ${ours.mainThreadCpuUsPerRequest} µs a report, server ${eventLoop.serverCpuUsPerRequest} → ${ours.serverCpuUsPerRequest} µs)`,
  );
  console.log(
    `with the 2 cores to itself (from the CPU above, not measured): writer thread ≈ ${capacity(ours)}/s, on the event loop ≈ ${capacity(eventLoop)}/s`,
  );
}
console.log(
  `wrote ${writeResult('ingest', { generator: values.generator, baseline, ours, ratio, commits, cpuBudget, eventLoop, capacity: eventLoop ? { ours: capacity(ours), eventLoop: capacity(eventLoop) } : null, paced })}`,
);
process.exitCode = ours.non2xx === 0 && ours.errors === 0 && baseline.non2xx === 0 && (!paced || paced.failures === 0) ? 0 : 1;
