/**
 * What the benchmarks share: process CPU and RSS from /proc, a latency histogram that merges
 * across processes, percentiles, and writing results to bench/results/.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
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
