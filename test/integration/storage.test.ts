/**
 * Storage faults surfaced, not hidden: a write the disk refuses answers 503 `storage-unavailable`
 * and changes nothing, `/healthz` turns unhealthy and `/metrics` counts it until writes succeed
 * again; a damaged database file stops the start with a message that says what to do.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../server/src/contract/incidents.ts';
import { DatabaseDamaged, openDatabase } from '../../server/src/store/database.ts';
import { freshPointIn, idemKey, startHarness, TONGHUA_GRID, type Harness } from '../helpers/server.ts';

const ROOT = join(import.meta.dirname, '../..');
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const report = (harness: Harness, token: string) =>
  harness.api<{ incident: Incident; error: { code: string } }>(
    token,
    'POST',
    '/api/incidents',
    { class: '市容环境', priority: '一般', source: '12345热线', ...freshPointIn(harness.app, TONGHUA_GRID), description: '存储故障测试' },
    { 'idempotency-key': idemKey() },
  );

describe('storage faults', () => {
  it('answers 503 storage-unavailable on a full disk, turns unhealthy, and recovers when writes succeed', async () => {
    // Reports filed on the event loop's connection, where the test can fill the database up.
    h = await startHarness({ WRITE_THREAD: '0', DUPLICATE_RADIUS_M: '5' });
    const { token } = await h.login('dispatcher');
    const count = (): number => (h!.app.db.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number }).n;
    h.app.db.pragma(`max_page_count = ${h.app.db.pragma('page_count', { simple: true }) as number}`);
    let answer = await report(h, token);
    for (let i = 0; i < 400 && answer.status === 201; i++) answer = await report(h, token);
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('storage-unavailable');
    const stored = count();
    expect((await report(h, token)).status).toBe(503);
    expect(count()).toBe(stored);
    const health = await h.api<{ status: string; storage?: { message: string } }>(null, 'GET', '/healthz');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'unhealthy', storage: { message: expect.stringMatching(/full/) } });
    expect(String((await h.api(null, 'GET', '/metrics')).body)).toMatch(/^lst_storage_faults_total [1-9]/m);
    // Space again: the next write succeeds and health returns.
    h.app.db.pragma('max_page_count = 1073741823');
    expect((await report(h, token)).status).toBe(201);
    expect((await h.api<{ status: string }>(null, 'GET', '/healthz')).body.status).toBe('ok');
  });

  it('refuses to start on a damaged database, naming the file and the way back, without a stack trace', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lst-damaged-'));
    h = await startHarness({}, { dataDir });
    const { token } = await h.login('dispatcher');
    for (let i = 0; i < 30; i++) expect((await report(h, token)).status).toBe(201);
    await h.close();
    h = undefined;
    const file = join(dataDir, 'lengshuitan.sqlite');
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    writeSync(fd, randomBytes(8192), 0, 8192, size - 8192); // the last pages, garbage
    closeSync(fd);
    expect(() => openDatabase(file)).toThrow(DatabaseDamaged);
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/src/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', SIMULATOR: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain(`The server could not start: The database ${file} failed its integrity check`);
    expect(output).toContain('Restore the latest backup');
    expect(output).not.toMatch(/\n\s+at /);
  });
});
