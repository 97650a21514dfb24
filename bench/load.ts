/**
 * `npm run load -- --clients N --rate R --seconds T [--close-after S]`: load and soak on loopback.
 * Starts the real server as a child process (temp data, no simulator), connects N feed clients,
 * posts R reports per second for T seconds (bounded) and, unless --close-after 0, takes each case
 * through the loop to 结案 after about S seconds as a dispatcher and a grid worker would, so a soak
 * reaches a steady state. Reports delivery latency percentiles (POST sent → delta received, per
 * client), losses (every client must receive every case: 0), server CPU and RSS, and the heap over
 * time, each sample after a full collection forced through the server's inspector. At the end the
 * clients leave and the heap is compared with a fresh server process started on the same data: what
 * the soaked process holds beyond that is growth that is not the working set (open cases and the
 * 30-day finished ones, which a soak at 20 reports/s grows by design). Writes
 * bench/results/load-<time>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { decodeDelta, type ClientToServerEvents, type ServerToClientEvents } from '../server/src/contract/realtime.ts';
import { freePort, startServerProcess, stopGracefully } from '../test/helpers/process.ts';
import { cpuSeconds, inspect, round, rssBytes, sleep, tempDir } from './lib.ts';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '200' },
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '30' },
    'sample-every': { type: 'string', default: '10' },
    // Each case is taken through the loop to 结案 after about this many seconds (0: leave them open),
    // so that a soak reaches the steady state of a real district instead of piling up open cases.
    'close-after': { type: 'string', default: '5' },
    // Heap snapshots of the soaked and the fresh process, written into this folder for comparison.
    snapshots: { type: 'string' },
  },
});
const CLOSE_AFTER_S = Number(values['close-after']);
const CLIENTS = Math.min(5000, Number(values.clients));
const RATE = Math.min(2000, Number(values.rate));
const SECONDS = Math.min(3600, Number(values.seconds));
const SAMPLE_S = Number(values['sample-every']);
const PASSWORD = 'load-test-pass';

const dataDir = tempDir('lst-load-');
const port = await freePort();
// Every client signs in as one account: more than an account may hold by default.
const serverEnv = { DATA_DIR: dataDir, DEMO_PASSWORD: PASSWORD, LOG_LEVEL: 'error', DUPLICATE_RADIUS_M: '0', SOCKETS_PER_USER: '5000' };
/** A server process with its inspector open, for heap readings after a full collection. */
async function startInspected(env: Record<string, string> = serverEnv) {
  const inspectPort = await freePort();
  const p = await startServerProcess(env, port, [`--inspect=127.0.0.1:${inspectPort}`]);
  return { process: p, inspector: await inspect(inspectPort) };
}
const { process: server, inspector } = await startInspected();
const pid = server.child.pid!;
const login = async (username: string): Promise<string> =>
  (
    (await (
      await fetch(`${server.base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: PASSWORD }),
      })
    ).json()) as { token: string }
  ).token;
const [watcher, writer] = [await login('leader'), await login('dispatcher')];
const GRIDS = ['431103003004001', '431103001006002', '431103007001003', '431103004005004', '431103005004005'];
const workers = new Map<string, string>();
for (const g of GRIDS) workers.set(g, await login(`sim-gw-${g.slice(0, 12)}`));
let closed = 0;
/** Takes one case through the loop as a dispatcher and the grid's worker would. */
async function closeLoop(id: string, grid: string): Promise<void> {
  const steps: [string, Record<string, unknown>][] = [
    [writer, { action: 'accept' }],
    [writer, { action: 'register' }],
    [writer, { action: 'dispatch' }],
    [workers.get(grid)!, { action: 'start' }],
    [workers.get(grid)!, { action: 'feedback', note: '已处置' }],
    [writer, { action: 'verify', pass: true }],
    [writer, { action: 'close' }],
  ];
  let version = 1;
  for (const [token, body] of steps) {
    await new Promise((r) => setTimeout(r, (CLOSE_AFTER_S * 1000) / steps.length));
    const res = await fetch(`${server.base}/api/incidents/${id}/actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, version }),
    });
    if (!res.ok) throw new Error(`${String(body.action)} on ${id}: ${res.status} ${await res.text()}`);
    version = ((await res.json()) as { incident: { version: number } }).incident.version;
  }
  closed++;
}
const loops = new Set<Promise<void>>();

const sentAt = new Map<string, number>(); // case id → when its POST left
const latencies: number[] = [];
const received = new Map<string, number>(); // case id → how many clients got it
const early: { id: string; at: number }[] = []; // deltas that beat their POST's answer
const sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];
for (let i = 0; i < CLIENTS; i++) {
  const s: Socket<ServerToClientEvents, ClientToServerEvents> = io(server.base, {
    auth: { token: watcher },
    transports: ['websocket'],
    forceNew: true,
  });
  s.on('feed:changed', (wire) => {
    const now = performance.now();
    for (const inc of decodeDelta(wire).incidents) {
      if (inc.version !== 1) continue;
      received.set(inc.id, (received.get(inc.id) ?? 0) + 1);
      const t = sentAt.get(inc.id);
      if (t === undefined) early.push({ id: inc.id, at: now });
      else latencies.push(now - t);
    }
  });
  sockets.push(s);
}
await new Promise<void>((resolve) => {
  const check = setInterval(() => {
    if (!sockets.every((s) => s.connected)) return;
    clearInterval(check);
    resolve();
  }, 50);
});

const cpu = (): number => cpuSeconds(pid);
const rssMb = (): number => rssBytes(pid) / 1024 / 1024;
const heapMb = async (of = inspector): Promise<number> => (await of.heapAfterGcBytes()) / 1024 / 1024;

const samples: { t: number; rssMb: number; heapMb: number; posted: number }[] = [];
const cpu0 = cpu();
const t0 = performance.now();
let posted = 0;
let failed = 0;
const inFlight = new Set<Promise<void>>();
const sampler = setInterval(
  () =>
    void heapMb().then((h) =>
      samples.push({ t: Math.round((performance.now() - t0) / 1000), rssMb: Math.round(rssMb()), heapMb: Math.round(h * 10) / 10, posted }),
    ),
  SAMPLE_S * 1000,
);

for (let i = 0; i < RATE * SECONDS; i++) {
  const due = t0 + (i * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const started = performance.now();
  const p = fetch(`${server.base}/api/incidents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json', 'idempotency-key': `load-${i}-${Date.now()}` },
    body: JSON.stringify({ class: '市容环境', source: '12345热线', gridCode: GRIDS[i % GRIDS.length], description: `负载测试 ${i}` }),
  })
    .then(async (res) => {
      if (!res.ok) return void failed++;
      const { incident } = (await res.json()) as { incident: { id: string } };
      sentAt.set(incident.id, started);
      posted++;
      if (CLOSE_AFTER_S > 0) {
        const loop = closeLoop(incident.id, GRIDS[i % GRIDS.length]!)
          .catch((err: unknown) => void (failed++, console.error(String(err))))
          .finally(() => loops.delete(loop));
        loops.add(loop);
      }
    })
    .catch(() => void failed++)
    .finally(() => inFlight.delete(p));
  inFlight.add(p);
}
await Promise.all(inFlight);
await Promise.all(loops);
await new Promise((r) => setTimeout(r, 2000)); // let the last deltas arrive
clearInterval(sampler);
const elapsed = (performance.now() - t0) / 1000;
const serverCpuSeconds = cpu() - cpu0;
// Deltas that arrived before their POST's answer: latency from the POST they belong to.
for (const e of early) {
  const t = sentAt.get(e.id);
  if (t !== undefined) latencies.push(e.at - t);
}
latencies.sort((a, b) => a - b);
const pct = (p: number): number =>
  Math.round((latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN) * 10) / 10;
let lost = 0;
for (const id of sentAt.keys()) lost += CLIENTS - (received.get(id) ?? 0);
const third = Math.max(1, Math.floor(samples.length / 3));
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const heapMiddle = mean(samples.slice(third, 2 * third).map((s) => s.heapMb));
const heapLast = mean(samples.slice(2 * third).map((s) => s.heapMb));
const postedMiddle = mean(samples.slice(third, 2 * third).map((s) => s.posted));
const postedLast = mean(samples.slice(2 * third).map((s) => s.posted));

const serverRssMb = Math.round(rssMb());
// The clients leave; the soaked heap against fresh processes: one that loads the same working set,
// one on empty data. Their difference is what each case in the working set costs, which tells the
// soak's growth by design (every case stays in the 30-day window) from anything else.
for (const s of sockets) s.disconnect();
await sleep(2000);
const afterSoak = await heapMb();
if (values.snapshots) await inspector.writeSnapshot(join(values.snapshots, 'soaked.heapsnapshot'));
inspector.close();
await stopGracefully(server);
async function freshHeapMb(env: Record<string, string>, snapshot: string): Promise<number> {
  const fresh = await startInspected(env);
  await sleep(3000);
  const mb = await heapMb(fresh.inspector);
  if (values.snapshots) await fresh.inspector.writeSnapshot(join(values.snapshots, snapshot));
  fresh.inspector.close();
  await stopGracefully(fresh.process);
  return mb;
}
const freshHeap = await freshHeapMb(serverEnv, 'fresh.heapsnapshot');
const emptyHeap = await freshHeapMb({ ...serverEnv, DATA_DIR: tempDir('lst-load-empty-') }, 'empty.heapsnapshot');
const kbPerCase = ((freshHeap - emptyHeap) * 1024) / Math.max(1, posted);
const growth = heapLast - heapMiddle;
const growthByDesign = ((postedLast - postedMiddle) * kbPerCase) / 1024;

const result = {
  clients: CLIENTS,
  ratePerSecond: RATE,
  seconds: SECONDS,
  posted,
  closed,
  failed,
  deliveries: latencies.length,
  lost,
  latencyMs: { p50: pct(50), p95: pct(95), p99: pct(99), max: pct(100) },
  serverCpuPercent: Math.round((serverCpuSeconds / elapsed) * 1000) / 10,
  serverRssMb,
  heapMb: {
    middleThird: round(heapMiddle),
    lastThird: round(heapLast),
    afterSoak: round(afterSoak),
    freshSameData: round(freshHeap),
    freshEmpty: round(emptyHeap),
    kbPerCase: round(kbPerCase, 2),
    growth: round(growth, 2),
    growthByDesign: round(growthByDesign, 2),
    residual: round(growth - growthByDesign, 2),
  },
  samples,
};
console.table([
  {
    clients: CLIENTS,
    'reports/s': RATE,
    seconds: SECONDS,
    posted,
    closed,
    lost,
    'p50 ms': result.latencyMs.p50,
    'p95 ms': result.latencyMs.p95,
    'p99 ms': result.latencyMs.p99,
    'max ms': result.latencyMs.max,
    'server CPU %': result.serverCpuPercent,
    'RSS MB': result.serverRssMb,
  },
]);
if (samples.length >= 3)
  console.log(
    `heap after full GC: middle third ${result.heapMb.middleThird} MB, last third ${result.heapMb.lastThird} MB (samples every ${SAMPLE_S} s)`,
  );
console.log(
  `heap after full GC, clients gone: soaked process ${result.heapMb.afterSoak} MB; fresh processes: same data ${result.heapMb.freshSameData} MB, empty data ${result.heapMb.freshEmpty} MB → ${result.heapMb.kbPerCase} KB per case in the working set`,
);
console.log(
  `middle → last third: heap +${result.heapMb.growth} MB, of which the working set's ${round(postedLast - postedMiddle, 0)} more cases ${result.heapMb.growthByDesign} MB; residual ${result.heapMb.residual} MB (${round((100 * (growth - growthByDesign)) / heapMiddle)} % of the heap)`,
);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
const file = join(import.meta.dirname, 'results', `load-${new Date().toISOString().replaceAll(':', '-')}.json`);
writeFileSync(file, JSON.stringify(result, null, 2));
console.log(`wrote ${file}`);
process.exitCode = lost === 0 && failed === 0 ? 0 : 1;
