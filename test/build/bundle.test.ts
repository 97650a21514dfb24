/**
 * Bundle budget: the JavaScript a browser loads to show a route (the entry plus the route's chunk
 * and everything they import, from Vite's manifest), gzip-compressed, stays within 650 KB. The map
 * worker is fetched separately by MapLibre and is listed, not counted. And no chunk carries zod: the
 * input schemas are the server's (server/src/contract/inputs.ts). `npm test` builds first.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const DIST = join(import.meta.dirname, '../../dist/client');
const BUDGET_KB = 650;

interface Chunk {
  file: string;
  imports?: string[];
}
const manifest = (): Record<string, Chunk> => JSON.parse(readFileSync(join(DIST, '.vite/manifest.json'), 'utf8')) as Record<string, Chunk>;

function initialKb(route: string): { kb: number; files: string[] } {
  const m = manifest();
  const seen = new Set<string>();
  const visit = (key: string): void => {
    if (seen.has(key) || !m[key]) return;
    seen.add(key);
    for (const dep of m[key]!.imports ?? []) visit(dep);
  };
  visit('index.html');
  visit(route);
  const files = [...seen].map((k) => m[k]!.file).filter((f) => f.endsWith('.js'));
  const bytes = files.reduce((n, f) => n + gzipSync(readFileSync(join(DIST, f)), { level: 9 }).length, 0);
  return { kb: Math.round(bytes / 1024), files };
}

describe('bundle budget', () => {
  it(`keeps each route's initial JavaScript within ${BUDGET_KB} KB gzip`, () => {
    expect(existsSync(join(DIST, '.vite/manifest.json')), 'no build: run `npx vite build` (npm test does)').toBe(true);
    for (const route of [
      'src/views/WallView.vue',
      'src/views/LeaderView.vue',
      'src/views/DispatchView.vue',
      'src/views/AdminView.vue',
      'src/views/LoginView.vue',
    ]) {
      const { kb, files } = initialKb(route);
      console.log(`${route}: ${kb} KB gzip in ${files.length} files`);
      expect(kb, route).toBeLessThanOrEqual(BUDGET_KB);
      expect(kb).toBeGreaterThan(0);
    }
  });

  // The client shares the contract's vocabulary, never its zod schemas: imported from a contract module
  // that also built schemas, zod would come along and run before the wall's map existed.
  it('ships no zod in any chunk', () => {
    const assets = join(DIST, 'assets');
    const withZod = readdirSync(assets).filter(
      (f) => f.endsWith('.js') && /\$ZodType|ZodError/.test(readFileSync(join(assets, f), 'utf8')),
    );
    expect(withZod).toEqual([]);
  });
});
