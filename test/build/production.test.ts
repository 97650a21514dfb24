/**
 * The production install: the built server (dist/server, compiled by `npm run build`) runs from a
 * tree with only the runtime dependencies (`npm prune --omit=dev`, the same set `npm ci --omit=dev`
 * installs), started by the documented command, `npm run serve`. It must need neither tsx nor
 * anything else from devDependencies, and its writer thread must start from compiled JavaScript.
 * `npm test` builds first.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/process.ts';

const ROOT = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'lst-production-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('production install', () => {
  it('serves the built system from runtime dependencies alone, with `npm run serve`', async () => {
    expect(existsSync(join(ROOT, 'dist/server/main.js')), 'npm run build first').toBe(true);
    const app = join(work, 'app');
    for (const path of ['package.json', 'package-lock.json', 'dist', 'data/config', 'data/generated']) {
      cpSync(join(ROOT, path), join(app, path), { recursive: true });
    }
    // Hard links: a copy of node_modules in a moment, which the prune then thins to what runs.
    execFileSync('cp', ['-al', join(ROOT, 'node_modules'), join(app, 'node_modules')]);
    execFileSync('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app, stdio: 'pipe' });
    expect(existsSync(join(app, 'node_modules/tsx'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/vite'))).toBe(false);

    const port = await freePort();
    const child = spawn('npm', ['run', 'serve', '--silent'], {
      cwd: app,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: join(work, 'var'), SIMULATOR: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    const base = `http://127.0.0.1:${port}`;
    try {
      await expect
        .poll(
          () =>
            fetch(`${base}/healthz`).then(
              (r) => r.status,
              () => 0,
            ),
          { timeout: 30_000, interval: 200 },
        )
        .toBe(200);
      expect(output).toContain('reports filed        in a writer thread');
      const login = (await (
        await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'dispatcher', password: 'lst-demo-2026' }),
        })
      ).json()) as { token: string };
      // A report goes through the writer thread, compiled, and reaches the live feed.
      const socket = io(base, { auth: { token: login.token }, transports: ['websocket'], reconnection: false });
      const changed = new Promise((resolve) => socket.once('feed:changed', resolve));
      await new Promise((resolve) => socket.once('feed:reset', resolve));
      const report = await fetch(`${base}/api/incidents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${login.token}`, 'content-type': 'application/json', 'idempotency-key': 'production-test-1' },
        body: JSON.stringify({
          class: '市容环境',
          priority: '一般',
          source: '12345热线',
          lng: 111.6097,
          lat: 26.4392,
          description: '生产安装测试',
        }),
      });
      expect(report.status).toBe(201);
      await changed;
      socket.disconnect();
      // The built client is served too.
      expect(await (await fetch(`${base}/wall`)).text()).toContain('<div id="app">');
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(output).not.toMatch(/error/i);
  });
});
