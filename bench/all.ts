/** `npm run bench`: every benchmark in turn (about 20 minutes on 2 cores), then the summary table. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const steps: string[][] = [
  ['locator.ts'],
  ['ingest.ts', '--connections', '50', '--seconds', '10'],
  ['report-cost.ts', '--reports', '20000'],
  ['fanout.ts', '--clients', '1000', '--rate', '100', '--seconds', '20'],
  // The durable floor twice: bare, and with 400 µs of work per event (less than our report path's own).
  ['fanout.ts', '--clients', '500', '--rate', '200', '--seconds', '20', '--baseline', 'no', '--floor-work-us', '0,400'],
  ['client.ts', '--seconds', '30', '--rate', '1000'],
  ['store.ts', '--open', '10000'],
  ['open311.ts', '--cases', '100000'],
  // 600 s: socket.io keeps every broadcast for its 2-minute recovery window (pruned each minute), so
  // the buffers are full only after ≈ 3 minutes; the heap is compared between the middle and last thirds.
  ['load.ts', '--clients', '200', '--rate', '20', '--seconds', '600', '--sample-every', '10'],
  ['summary.ts'],
];
let failed = 0;
for (const [script, ...args] of steps) {
  console.log(`\n== bench/${script} ${args.join(' ')}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, script!), ...args], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
