/**
 * `npm run bench:fanout -- --clients 1000 --rate 100 --seconds 20 [--baseline no] [--floor no] [--durable-floor no] [--floor-work-us N[,N…]]`: delivery from
 * POST to every feed client, ours against a raw `ws` broadcast baseline in the same run.
 *
 * For each system: start the server as its own process; measure its RSS, connect the clients from
 * a separate peer process (bench/peers/feed-clients.ts) and measure again (RSS per idle
 * connection); then POST `rate` events per second for `seconds` and record, per client, the time
 * from the POST leaving to the event arriving, and from the server accepting it (the case's
 * createdAt) to its arrival (p50/p95/p99/max; all clients, and the full clients
 * alone — see bench/peers/feed-clients.ts for full and light clients), losses (every client must get
 * every acknowledged event), and server CPU per delivered message. Ours: POST /api/incidents
 * (validate, locate, durable commit, coalesced Socket.IO broadcast to the district room). Baseline:
 * node:http + ws, no database, one send per client per event (bench/peers/ws-baseline.ts). Floor:
 * the same server coalescing events into one frame per tick like ours (`--tick-ms`, default 50):
 * its delivery p99 is what this machine and the measuring process allow at this rate and batching
 * without a database, a log sync or Socket.IO. Durable floor: the floor storing each event through
 * the app's writer before answering and publishing it (persist, then publish, as ours): what the
 * durable commit and the log sync cost on this disk with nothing of the app around them;
 * `--floor-work-us 0,400` runs it once per value, its event loop kept busy that many µs per event
 * (a stand-in for an app's own work per report: how much of it the floor's delivery tolerates).
 * Writes bench/results/fanout-<clients>x<rate>.json.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { freePort, startServerProcess, stopGracefully } from '../test/helpers/process.ts';
import { bucketQuantileMs, cpuSeconds, epochMs, Histogram, round, rssBytes, sleep, startWsBaseline, writeResult, tempDir } from './lib.ts';
import type { PeerCommand, PeerReply } from './peers/feed-clients.ts';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '20' },
    baseline: { type: 'string', default: 'yes' },
    floor: { type: 'string', default: 'yes' },
    'durable-floor': { type: 'string', default: 'yes' },
    'tick-ms': { type: 'string' },
    'floor-work-us': { type: 'string', default: '0' },
  },
});
const CLIENTS = Math.min(5000, Number(values.clients));
const RATE = Math.min(5000, Number(values.rate));
const SECONDS = Math.min(600, Number(values.seconds));
const PASSWORD = 'bench-pass-2026';
const GRIDS = ['431103003004001', '431103001006002', '431103007001003', '431103004005004', '431103005004005'];

interface Target {
  name: string;
  pid: number;
  url: string;
  token: string;
  kind: 'socketio' | 'ws';
  post(n: number): Promise<boolean>;
  /** Server-side figures worth keeping with the result (ours: from /metrics). */
  serverFigures(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

function startPeer(): { child: ChildProcess; ask(cmd: PeerCommand): Promise<PeerReply> } {
  const child = fork(join(import.meta.dirname, 'peers/feed-clients.ts'), [], {
    execArgv: ['--import', 'tsx', ...(process.env.PEER_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/peerprof'] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return { child, ask: (cmd) => new Promise((resolve) => (child.once('message', (m) => resolve(m as PeerReply)), child.send(cmd))) };
}

const report = (n: number): Record<string, string> => ({
  class: '市容环境',
  source: '12345热线',
  gridCode: GRIDS[n % GRIDS.length]!,
  description: `bench:${n}:${epochMs()}`,
});

async function ours(): Promise<Target> {
  const port = await freePort();
  const env: Record<string, string> = {
    DATA_DIR: tempDir('lst-fanout-'),
    DEMO_PASSWORD: PASSWORD,
    LOG_LEVEL: 'error',
    DUPLICATE_RADIUS_M: '0',
    SLA_TIME_SCALE: '1',
    SOCKETS_PER_USER: '5000', // every client signs in as one account
  };
  if (values['tick-ms']) env.BROADCAST_TICK_MS = values['tick-ms'];
  const server = await startServerProcess(env, port);
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
  return {
    name: 'ours (Socket.IO feed)',
    pid: server.child.pid!,
    url: server.base,
    token: watcher,
    kind: 'socketio',
    post: async (n) =>
      (
        await fetch(`${server.base}/api/incidents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json', 'idempotency-key': `bench-${n}-${Date.now()}` },
          body: JSON.stringify(report(n)),
        })
      ).ok,
    serverFigures: async () => {
      const text = await (await fetch(`${server.base}/metrics`)).text();
      const metric = (name: string): number => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
      return {
        eventLoopLagP99Ms: round(metric('nodejs_eventloop_lag_p99_seconds') * 1000),
        eventLoopLagMaxMs: round(metric('nodejs_eventloop_lag_max_seconds') * 1000),
        commitBatches: metric('lst_commit_batch_size_count'),
        commitWrites: metric('lst_commit_batch_size_sum'),
        // Bucket upper bounds: the log sync every answer waits for after its commit.
        walSyncP50Ms: bucketQuantileMs(text, 'lst_wal_sync_seconds', 0.5),
        walSyncP99Ms: bucketQuantileMs(text, 'lst_wal_sync_seconds', 0.99),
        walSyncMaxMs: bucketQuantileMs(text, 'lst_wal_sync_seconds', 1),
        // Request start → answer, as the server's ingest path sees it.
        ingestP50Ms: bucketQuantileMs(text, 'lst_ingest_seconds', 0.5),
        ingestP99Ms: bucketQuantileMs(text, 'lst_ingest_seconds', 0.99),
      };
    },
    stop: () => stopGracefully(server),
  };
}

/**
 * The raw `ws` baseline; with `tickMs`, the floor: the same, coalesced into one frame per tick like
 * ours; with `durable` too, the durable floor: each event committed and synced before it is published.
 */
async function baseline(tickMs = 0, durable = false, workUs = 0): Promise<Target> {
  const env: Record<string, string> = { TICK_MS: String(tickMs), WORK_US: String(workUs) };
  if (durable) env.DURABLE_DIR = tempDir('lst-fanout-floor-');
  const { child, url, stop } = await startWsBaseline(env);
  return {
    name: durable
      ? `durable floor (raw ws, a frame per ${tickMs} ms, commit + WAL sync first${workUs ? `, ${workUs} µs of work per event` : ''})`
      : tickMs
        ? `floor (raw ws, a frame per ${tickMs} ms)`
        : 'baseline (raw ws)',
    pid: child.pid!,
    url,
    token: '',
    kind: 'ws',
    post: async (n) =>
      (await fetch(`${url}/event`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(report(n)) }))
        .ok,
    serverFigures: () => Promise.resolve({}),
    stop,
  };
}

async function measure(target: Target) {
  await sleep(1000);
  const rssBefore = rssBytes(target.pid);
  const peer = startPeer();
  const connected = await peer.ask({ cmd: 'connect', kind: target.kind, url: target.url, token: target.token, count: CLIENTS });
  if (connected.reply !== 'connected' || connected.connected !== CLIENTS)
    throw new Error(`${target.name}: only ${JSON.stringify(connected)} connected`);
  await sleep(2000);
  const perConnectionKb = (rssBytes(target.pid) - rssBefore) / CLIENTS / 1024;

  const acknowledged: number[] = [];
  const ackLatency = new Histogram(); // POST sent → answered
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  const cpu0 = cpuSeconds(target.pid);
  const posterDelay = monitorEventLoopDelay({ resolution: 10 }); // this process, which times the POSTs
  posterDelay.enable();
  const t0 = performance.now();
  for (let n = 0; n < RATE * SECONDS; n++) {
    const wait = t0 + (n * 1000) / RATE - performance.now();
    if (wait > 0) await sleep(wait);
    const sent = performance.now();
    const p = target
      .post(n)
      .then(
        (ok) => void (ok ? (acknowledged.push(n), ackLatency.record(performance.now() - sent)) : failed++),
        () => void failed++,
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  posterDelay.disable();
  // Drain: until every client has every acknowledged event, or 30 s (what is missing then is lost).
  const deadline = Date.now() + 30_000;
  let result = await peer.ask({ cmd: 'report' });
  while (
    result.reply === 'report' &&
    Histogram.fromSparse(result.histogram).total < acknowledged.length * CLIENTS &&
    Date.now() < deadline
  ) {
    await sleep(250);
    result = await peer.ask({ cmd: 'report' });
  }
  if (result.reply !== 'report') throw new Error('peer did not report');
  const cpu = cpuSeconds(target.pid) - cpu0;
  const elapsed = (performance.now() - t0) / 1000;
  const server = await target.serverFigures();
  peer.child.send({ cmd: 'close' } satisfies PeerCommand);
  await new Promise((r) => peer.child.once('exit', r));
  await target.stop();

  const histogram = Histogram.fromSparse(result.histogram);
  const full = Histogram.fromSparse(result.fullHistogram);
  const delivery = Histogram.fromSparse(result.deliveryHistogram);
  const [serverPart, fanoutPart] = [Histogram.fromSparse(result.serverHistogram), Histogram.fromSparse(result.fanoutHistogram)];
  const received = new Map(result.received);
  const lost = acknowledged.reduce((sum, n) => sum + CLIENTS - (received.get(n) ?? 0), 0);
  const delivered = histogram.total;
  return {
    system: target.name,
    clients: CLIENTS,
    rate: RATE,
    seconds: SECONDS,
    events: acknowledged.length,
    failed,
    delivered,
    lost,
    gaps: result.gaps,
    disconnects: result.disconnects,
    ackMs: { p50: ackLatency.percentile(50), p99: ackLatency.percentile(99) },
    latencyMs: {
      p50: histogram.percentile(50),
      p95: histogram.percentile(95),
      p99: histogram.percentile(99),
      max: histogram.percentile(100),
    },
    // From the server accepting the event (the case's createdAt) to each client: the fan-out alone.
    deliveryMs: { p50: delivery.percentile(50), p99: delivery.percentile(99) },
    // Ours: that span cut at the broadcast (the delta's serverTime). Accepted → sent is the server's
    // commit, log sync and tick; sent → received is the writes to every socket and the clients'
    // process noticing. The p99s of the parts do not add up to the whole's.
    splitMs: serverPart.total
      ? {
          acceptedToSentP50: serverPart.percentile(50),
          acceptedToSentP99: serverPart.percentile(99),
          sentToReceivedP50: fanoutPart.percentile(50),
          sentToReceivedP99: fanoutPart.percentile(99),
        }
      : null,
    // The full clients alone (socket.io-client and the app's decode, or JSON.parse for raw ws).
    fullClients: { count: result.fullClients, p50: full.percentile(50), p99: full.percentile(99) },
    serverCpuPercent: round((cpu / elapsed) * 100),
    cpuMicrosPerDelivered: round((cpu * 1e6) / Math.max(1, delivered), 2),
    rssPerIdleConnectionKb: round(perConnectionKb),
    server,
    clientsCpuPercent: round((result.cpuSeconds / elapsed) * 100),
    kbPerClientPerSecond: round(result.bytesPerClient / 1024 / elapsed),
    // How late the measuring processes themselves ran (event-loop delay, ms): part of every figure above.
    measuringLoopDelayMs: {
      clientsP99: round(result.loopDelayP99Ms),
      clientsMax: round(result.loopDelayMaxMs),
      posterP99: round(posterDelay.percentile(99) / 1e6),
      posterMax: round(posterDelay.max / 1e6),
    },
  };
}

const rows = [await measure(await ours())];
if (values.baseline !== 'no') rows.push(await measure(await baseline()));
const tickMs = Number(values['tick-ms'] ?? 50);
const floor = values.floor !== 'no' ? await measure(await baseline(tickMs)) : null;
const durableFloors = [];
if (values['durable-floor'] !== 'no')
  for (const workUs of values['floor-work-us'].split(',').map(Number))
    durableFloors.push(await measure(await baseline(tickMs, true, workUs)));
const [a, b] = rows;
if (floor) rows.push(floor);
rows.push(...durableFloors);
const ratio = b ? round(a!.cpuMicrosPerDelivered / b.cpuMicrosPerDelivered, 2) : null;
console.table(
  rows.map((r) => ({
    system: r.system,
    clients: r.clients,
    'events/s': r.rate,
    events: r.events,
    delivered: r.delivered,
    lost: r.lost,
    'ack p99 ms': r.ackMs.p99,
    'p50 ms': r.latencyMs.p50,
    'p99 ms': r.latencyMs.p99,
    'max ms': r.latencyMs.max,
    'full clients p99 ms': r.fullClients.p99,
    'accepted → received p99 ms': r.deliveryMs.p99,
    'CPU %': r.serverCpuPercent,
    'CPU µs/msg': r.cpuMicrosPerDelivered,
    'RSS KB/idle conn': r.rssPerIdleConnectionKb,
    'clients CPU %': r.clientsCpuPercent,
    'KB/s per client': r.kbPerClientPerSecond,
  })),
);
if (ratio !== null) console.log(`CPU per delivered message, ours / raw ws: ${ratio}×`);
const figures = a!.server as Record<string, number>;
const own = a!.measuringLoopDelayMs;
for (const r of [a!, floor, ...durableFloors]) {
  const split = r?.splitMs;
  if (split)
    console.log(
      `${r.system}, accepted → received cut at the broadcast: accepted → sent p50 ${split.acceptedToSentP50} ms, p99 ${split.acceptedToSentP99} ms; sent → received p50 ${split.sentToReceivedP50} ms, p99 ${split.sentToReceivedP99} ms`,
    );
}
console.log(
  `measuring processes' own event-loop delay: clients p99 ${own.clientsP99} ms, max ${own.clientsMax} ms; poster p99 ${own.posterP99} ms, max ${own.posterMax} ms`,
);
console.log(
  `ours, server side: event-loop lag p99 ${figures.eventLoopLagP99Ms} ms, max ${figures.eventLoopLagMaxMs} ms; WAL sync p50 ≤ ${figures.walSyncP50Ms} ms, p99 ≤ ${figures.walSyncP99Ms} ms, max ≤ ${figures.walSyncMaxMs} ms; report answered p50 ≤ ${figures.ingestP50Ms} ms, p99 ≤ ${figures.ingestP99Ms} ms`,
);
console.log(`wrote ${writeResult(`fanout-${CLIENTS}x${RATE}`, { rows, cpuRatio: ratio })}`);
if (b && b.failed > 0)
  console.log(
    `baseline: ${b.failed} of ${b.failed + b.events} POSTs failed (its HTTP side is overloaded at this rate; not a failure of ours)`,
  );
// Ours must lose nothing and refuse nothing; the baseline's failures are its own figures.
process.exitCode = a!.lost === 0 && a!.failed === 0 ? 0 : 1;
