/**
 * What the benchmarks share: process CPU and RSS from /proc, a latency histogram that merges
 * across processes, percentiles, writing results to bench/results/, and starting the raw baselines'
 * server (bench/peers/ws-baseline.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';

/** CPU seconds (user + system) a process — or one of its threads: its main thread's id is the pid — has used so far. */
export function cpuSeconds(pid: number, thread?: number): number {
  const fields = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8')
    .split(') ')[1]!
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in USER_HZ (100)
}

/** Resident set size of a process, bytes. */
export function rssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

/** Wall-clock milliseconds comparable between processes on one machine. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

const BUCKET_MS = 0.1;
const BUCKETS = 200_000; // 0–20 s in 0.1 ms steps; later values land in the last bucket

/** A fixed-resolution latency histogram (0.1 ms buckets): cheap to fill, merge and send over IPC. */
export class Histogram {
  readonly counts: Uint32Array;
  constructor(counts?: ArrayLike<number>) {
    this.counts = new Uint32Array(BUCKETS);
    if (counts) this.counts.set(counts);
  }
  record(ms: number): void {
    this.counts[Math.min(BUCKETS - 1, Math.max(0, Math.round(ms / BUCKET_MS)))]!++;
  }
  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
  }
  get total(): number {
    let n = 0;
    for (const c of this.counts) n += c;
    return n;
  }
  /** The p-th percentile in ms (p in 0..100), NaN when empty. */
  percentile(p: number): number {
    const total = this.total;
    if (total === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.round(i * BUCKET_MS * 10) / 10;
    }
    return NaN;
  }
  /** Sparse form for IPC: [bucket, count] pairs. */
  toSparse(): [number, number][] {
    const out: [number, number][] = [];
    this.counts.forEach((c, i) => c && out.push([i, c]));
    return out;
  }
  static fromSparse(pairs: [number, number][]): Histogram {
    const h = new Histogram();
    for (const [i, c] of pairs) h.counts[i] = c;
    return h;
  }
}

export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Writes bench/results/<name>.json and returns its path. */
export function writeResult(name: string, value: unknown): string {
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves when `check` is true, polling; rejects after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A session with a Node process's inspector (the process runs with --inspect=127.0.0.1:PORT). The
 * soak uses it to read the heap after a full collection, so that garbage not yet collected does not
 * pass for growth.
 */
export async function inspect(
  port: number,
): Promise<{ heapAfterGcBytes(): Promise<number>; writeSnapshot(file: string): Promise<void>; close(): void }> {
  let targets: { webSocketDebuggerUrl: string }[] = [];
  for (let i = 0; i < 50 && targets.length === 0; i++) {
    try {
      targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as typeof targets;
    } catch {
      await sleep(100); // the inspector is not listening yet
    }
  }
  if (!targets[0]) throw new Error(`no inspector on port ${port}`);
  const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => (socket.once('open', () => resolve()), socket.once('error', reject)));
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  let chunks: string[] = [];
  socket.on('message', (data) => {
    const m = JSON.parse(String(data)) as { id?: number; result?: unknown; method?: string; params?: { chunk: string } };
    if (m.method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(m.params!.chunk);
    if (m.id !== undefined) {
      pending.get(m.id)?.(m.result);
      pending.delete(m.id);
    }
  });
  const call = (method: string): Promise<unknown> =>
    new Promise((resolve) => {
      pending.set(++id, resolve);
      socket.send(JSON.stringify({ id, method }));
    });
  return {
    async heapAfterGcBytes() {
      await call('HeapProfiler.collectGarbage');
      return ((await call('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
    },
    /** A heap snapshot (for Chrome DevTools' Memory tab, or comparing two processes). */
    async writeSnapshot(file: string) {
      chunks = [];
      await call('HeapProfiler.takeHeapSnapshot');
      writeFileSync(file, chunks.join(''));
      chunks = [];
    },
    close: () => socket.close(),
  };
}

/** The upper bound (ms) of the Prometheus histogram bucket that holds quantile q, from /metrics text (seconds). */
export function bucketQuantileMs(metricsText: string, name: string, q: number): number {
  const buckets = [...metricsText.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)`, 'gm'))].map(
    (m) => [Number(m[1]), Number(m[2])] as const,
  );
  const total = buckets.at(-1)?.[1] ?? 0;
  const hit = buckets.find(([, count]) => count >= q * total);
  return total > 0 && hit ? hit[0] * 1000 : NaN;
}

/** Starts the raw baselines' server (bench/peers/ws-baseline.ts) with `env` (TICK_MS, DURABLE_DIR, WORK_US). */
export async function startWsBaseline(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'peers/ws-baseline.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d) => resolve(Number(/port (\d+)/.exec(String(d))![1]))));
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    stop: async () => void (child.kill('SIGTERM'), await new Promise((r) => child.once('exit', r))),
  };
}

const temporary: string[] = [];
process.once('exit', () => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});
/** A temporary folder that is removed when the benchmark's process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}
