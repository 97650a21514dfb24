/**
 * `npm run bench:open311 -- --cases 100000`: what a public Open311 read costs as its page deepens,
 * at a large case load (the real app in this process, read over HTTP on loopback). Rows: the first
 * page (the baseline), the deepest page allowed (page × page_size = 1,000), two classes at once, and
 * a page past the cap (refused before any read). Each is the median of 9 requests. A cost that grew
 * with the data instead of the page would show as a deep page far dearer than its depth.
 * Writes bench/results/open311.json.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createApp } from '../server/src/app.ts';
import { loadConfig } from '../server/src/config.ts';
import { INCIDENT_CLASSES } from '../server/src/contract/incidents.ts';
import { createRandom } from '../server/src/domain/random.ts';
import { round, tempDir, writeResult } from './lib.ts';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '100000' } } });
const CASES = Math.min(200_000, Number(values.cases));
const config = loadConfig({
  DATA_DIR: tempDir('lst-open311-'),
  DEMO: '1',
  SIMULATOR: '0',
  DEMO_PASSWORD: 'bench-pass-2026',
  LOG_LEVEL: 'silent',
  HOST: '127.0.0.1',
  PORT: '0',
  DUPLICATE_RADIUS_M: '0',
});
// Cases spread over the last 60 days (a day holds at most 99,999 case numbers), filed on a moving clock.
const SPAN_MS = 60 * 86_400_000;
const end = Date.now();
let now = end - SPAN_MS;
const app = createApp(config, { autoSweep: false, logger: pino({ level: 'silent' }), clock: { now: () => new Date(now) } });
const dispatcher = app.users.byUsername('dispatcher')!;
const random = createRandom(311);
const started = performance.now();
for (let n = 0; n < CASES;) {
  const batch: Promise<unknown>[] = [];
  now = end - SPAN_MS + (n / CASES) * SPAN_MS;
  for (let j = 0; j < 200 && n < CASES; j++, n++) {
    let p: [number, number];
    do p = [random.range(111.55, 111.68), random.range(26.38, 26.5)];
    while (!app.geography.gridAt(p[0], p[1]));
    const report = {
      class: INCIDENT_CLASSES[n % INCIDENT_CLASSES.length],
      source: '12345热线',
      lng: p[0],
      lat: p[1],
      description: `压测 ${n}`,
    };
    batch.push(app.incidents.report(report, dispatcher, `open311-bench-${n}`));
  }
  await Promise.all(batch);
}
now = end;
console.log(`${CASES} cases filed in ${round((performance.now() - started) / 1000)} s`);
await new Promise<void>((resolve) => app.httpServer.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(app.httpServer.address() as { port: number }).port}/open311/v2`;

async function timed(path: string, status: number): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < 10; r++) {
    const t = performance.now();
    const res = await fetch(`${base}/${path}`);
    await res.arrayBuffer();
    if (res.status !== status) throw new Error(`${path}: ${res.status}`);
    if (r > 0) times.push(performance.now() - t); // the first warms up
  }
  return round(times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!, 2);
}
const first = await timed('requests.json?page_size=100', 200);
const rows = [
  { read: 'first page, 100 requests (baseline)', ms: first },
  { read: 'deepest page allowed (page 10 of 100)', ms: await timed('requests.json?page_size=100&page=10', 200) },
  { read: 'two classes, first page of 100', ms: await timed('requests.json?page_size=100&service_code=E01,P02', 200) },
  { read: 'past the cap (page 11 of 100): refused', ms: await timed('requests.json?page_size=100&page=11', 400) },
].map((r) => ({ ...r, 'ratio to first page': round(r.ms / first, 1) }));
console.table(rows);
console.log(`wrote ${writeResult('open311', { cases: CASES, rows })}`);
await app.close();
