/**
 * How the server hands out the app and its data: compressed as the browser accepts, built assets
 * cached for good (their names change with their content), a missing asset a plain 404.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/server.ts';

let h: Harness;
let token: string;
const clientDir = mkdtempSync(join(tmpdir(), 'lst-client-dir-'));
const built = { br: Buffer.alloc(0), gz: Buffer.alloc(0) };
const script = `export const grids = [${Array.from({ length: 2000 }, (_, i) => `"网格${i}"`).join(',')}];\n`;

beforeAll(async () => {
  built.br = brotliCompressSync(script);
  built.gz = gzipSync(script);
  mkdirSync(join(clientDir, 'assets'));
  writeFileSync(join(clientDir, 'index.html'), '<!doctype html><title>冷水滩区网格化指挥中心</title>');
  writeFileSync(join(clientDir, 'assets', 'WallView-a1b2c3.js'), script);
  // As the build leaves them: each text asset beside its brotli and gzip forms (vite.config.ts).
  writeFileSync(join(clientDir, 'assets', 'socket-d4e5f6.js'), script);
  writeFileSync(join(clientDir, 'assets', 'socket-d4e5f6.js.br'), built.br);
  writeFileSync(join(clientDir, 'assets', 'socket-d4e5f6.js.gz'), built.gz);
  h = await startHarness({ CLIENT_DIR: clientDir });
  token = (await h.login('leader')).token;
});
afterAll(() => h.close());

/** A raw GET (fetch would negotiate and decompress by itself). */
function get(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(`${h.base}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('serving the app', () => {
  it('sends built assets compressed as accepted, to be kept until a release renames them', async () => {
    const br = await get('/assets/WallView-a1b2c3.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotliDecompressSync(br.body).toString()).toBe(script);
    expect(br.body.length).toBeLessThan(Buffer.byteLength(script) / 3);

    const gzip = await get('/assets/WallView-a1b2c3.js', { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).toString()).toBe(script);

    const plain = await get('/assets/WallView-a1b2c3.js', {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(script);
  });

  it('sends the build’s own compressed files as they are, without compressing again', async () => {
    const br = await get('/assets/socket-d4e5f6.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.body.equals(built.br)).toBe(true);
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const gzip = await get('/assets/socket-d4e5f6.js', { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.body.equals(built.gz)).toBe(true);
    const plain = await get('/assets/socket-d4e5f6.js', {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(script);
  });

  it('answers a missing asset with 404 instead of the app page, and any other path with the app page', async () => {
    const missing = await get('/assets/WallView-gone.js', {});
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString())).toEqual({
      error: { code: 'not-found', message: 'no such file: /assets/WallView-gone.js' },
    });
    const page = await get('/wall', {});
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain('冷水滩区网格化指挥中心');
    expect(page.headers['cache-control']).toBe('public, max-age=0');
  });

  it('compresses API answers: the geography the map loads first', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const plain = await get('/api/geography/grids', auth);
    const br = await get('/api/geography/grids', { ...auth, 'accept-encoding': 'br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(br.body.length).toBeLessThan(plain.body.length / 4);
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(JSON.parse(plain.body.toString()).features).toHaveLength(304);
    // Compressed once: the next map gets the same bytes.
    expect((await get('/api/geography/grids', { ...auth, 'accept-encoding': 'br' })).body.equals(br.body)).toBe(true);
    const gzip = await get('/api/geography/grids', { ...auth, 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);
  });
});

describe('aborted requests', () => {
  it('logs a client that hangs up mid-upload as an abort, not as an error', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const own = await startHarness({}, { logger: pino({ level: 'info' }, sink) });
    const { token } = await own.login('dispatcher');
    const socket = connect(Number(new URL(own.base).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /api/incidents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n` +
        'Idempotency-Key: aborted-upload-1\r\nContent-Length: 60000\r\n\r\n{"class":"',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await expect.poll(() => lines.some((l) => l.includes('request aborted by the client'))).toBe(true);
    const entries = lines.map((l) => JSON.parse(l) as { level: number; path?: string; aborted?: boolean });
    expect(entries.find((e) => e.aborted)).toMatchObject({ level: 30, path: '/api/incidents' });
    expect(entries.filter((e) => e.level >= 50)).toEqual([]);
    await own.close();
  });
});
