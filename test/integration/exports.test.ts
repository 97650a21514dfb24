import Papa from 'papaparse';
import { valid } from 'geojson-validation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../server/src/contract/incidents.ts';
import { idemKey, startHarness, TONGHUA_GRID, type Harness } from '../helpers/server.ts';

let h: Harness;
let dispatcher: string;
let gridworker: string;
let wall: string;
let leader: string;
const GRIDS = [TONGHUA_GRID, '431103003004002', '431103001006001', '431103009008001'];

beforeAll(async () => {
  h = await startHarness();
  dispatcher = (await h.login('dispatcher')).token;
  gridworker = (await h.login('gridworker')).token;
  wall = (await h.login('wall')).token;
  leader = (await h.login('leader')).token;
  // 1,100 cases: three pages of the export; every fifth a 安全隐患 with awkward text.
  for (let n = 0; n < 1100; n++) {
    const res = await h.api(
      dispatcher,
      'POST',
      '/api/incidents',
      {
        class: n % 5 === 0 ? '安全隐患' : '市容环境',
        source: '12345热线',
        gridCode: GRIDS[n % GRIDS.length],
        description: n % 5 === 0 ? `=cmd|' /C calc'!A0 "引号", 逗号\n换行 ${n}` : `案件 ${n}`,
        reporterName: '王某',
        reporterPhone: '13800000000',
      },
      { 'idempotency-key': idemKey() },
    );
    expect(res.status).toBe(201);
  }
}, 120_000);
afterAll(() => h.close());

const get = (token: string, path: string) => fetch(`${h.base}${path}`, { headers: { authorization: `Bearer ${token}` } });
/** The body as bytes: whether it starts with the UTF-8 BOM, and the text after it (fetch's text() would drop it silently). */
async function csv(res: Response): Promise<{ bom: boolean; text: string }> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return { bom, text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bom ? bytes.subarray(3) : bytes) };
}
async function listAll(token: string, query: string): Promise<Incident[]> {
  const out: Incident[] = [];
  let cursor: string | null = null;
  do {
    const res: { body: { items: Incident[]; nextCursor: string | null } } = await h.api<{ items: Incident[]; nextCursor: string | null }>(
      token,
      'GET',
      `/api/incidents?${query}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    out.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

describe('exports', () => {
  it('stream the filtered cases as CSV with a BOM that reads back to the same set and text', async () => {
    const res = await get(dispatcher, '/api/exports/incidents.csv?class=安全隐患');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; .*filename\*=UTF-8''/);
    const { bom, text } = await csv(res);
    expect(bom).toBe(true);
    const { data, errors } = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
    expect(errors).toEqual([]);
    const expected = await listAll(dispatcher, 'class=安全隐患');
    expect(expected).toHaveLength(220);
    expect(data.map((r) => r['案件编号'])).toEqual(expected.map((i) => i.id));
    const byId = new Map(expected.map((i) => [i.id, i]));
    for (const row of data) {
      const i = byId.get(row['案件编号']!)!;
      expect(row['描述']).toBe(`'${i.description}`); // defused formula, text otherwise intact
      expect(row['网格编码']).toBe(i.gridCode);
      expect(row['类别']).toBe('安全隐患');
      expect(row['上报人']).toBe('王某');
      // Beijing time and Chinese words, nothing a reader has to decode.
      expect(row['上报时间']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
      expect(Date.parse(row['上报时间']!)).toBe(Date.parse(i.createdAt));
      expect(['正常', '临期', '超时']).toContain(row['时限状态']);
      expect(Object.values(row).filter((v) => /^(ok|amber|red|true|false)$/.test(v))).toEqual([]);
    }
  });

  it('stream the same cases as GeoJSON that validates', async () => {
    const res = await get(dispatcher, '/api/exports/incidents.geojson?scope=431103003');
    expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    const fc = (await res.json()) as { type: string; features: { id: string; geometry: unknown; properties: Incident }[] };
    expect(valid(fc, true)).toEqual([]);
    const expected = await listAll(dispatcher, 'scope=431103003');
    expect(expected.length).toBe(550);
    expect(fc.features.map((f) => f.id)).toEqual(expected.map((i) => i.id));
    expect(fc.features.every((f) => f.properties.gridCode?.startsWith('431103003'))).toBe(true);
  });

  it('export a geography layer as GeoJSON', async () => {
    const fc = (await (await get(leader, '/api/exports/geography/grids.geojson')).json()) as { features: unknown[] };
    expect(valid(fc, true)).toEqual([]);
    expect(fc.features).toHaveLength(304);
    expect((await get(leader, '/api/exports/geography/secrets.geojson')).status).toBe(404);
  });

  it('add up per-unit figures for a scope and period', async () => {
    const from = '2026-11-29T16:00:00.000Z'; // Monday 00:00 in Shanghai
    const to = '2026-11-30T16:00:00.000Z';
    const res = await get(leader, `/api/exports/indicators.csv?scope=431103003&from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    const { data, errors } = Papa.parse<Record<string, string>>((await csv(res)).text, { header: true, skipEmptyLines: true });
    expect(errors).toEqual([]);
    const [scope, ...children] = data;
    expect(scope).toMatchObject({ 单位编码: '431103003', 层级: '街道', 上报: '550', 在办: '550', 结案: '0', 期间开始: from });
    expect(children.map((c) => c['单位编码'])).toEqual(h.app.geography.children('431103003').map((c) => c.properties.code));
    expect(children.reduce((n, c) => n + Number(c['上报']), 0)).toBe(550);
    const empty = Papa.parse<Record<string, string>>(
      (await csv(await get(leader, `/api/exports/indicators.csv?scope=431103&from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00Z`))).text,
      { header: true },
    );
    expect(empty.data[0]).toMatchObject({ 单位编码: '431103', 上报: '0', '结案率%': '' });
  });

  it('refuse bad input, other scopes and the wall with JSON errors, before any file starts', async () => {
    const cases: [string, string, number][] = [
      [dispatcher, '/api/exports/incidents.csv?class=外星人', 400],
      [dispatcher, '/api/exports/incidents.csv?limit=5&nonsense=1', 400],
      [gridworker, '/api/exports/incidents.csv?scope=431103009008', 403],
      [wall, '/api/exports/incidents.csv', 403],
      [leader, '/api/exports/indicators.csv?scope=431103&from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z', 400],
      [leader, '/api/exports/indicators.csv?scope=431103&from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 400],
      [leader, '/api/exports/indicators.csv?scope=431103999&from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z', 404],
      [gridworker, '/api/exports/indicators.csv?scope=431103&from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z', 403],
    ];
    for (const [token, path, status] of cases) {
      const res = await get(token, path);
      expect(res.status, path).toBe(status);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(res.headers.get('content-disposition'), path).toBeNull();
    }
    expect((await fetch(`${h.base}/api/exports/incidents.csv`)).status).toBe(401);
  });

  it('keep a grid worker to their own grid', async () => {
    const { text } = await csv(await get(gridworker, '/api/exports/incidents.csv'));
    const { data } = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
    expect(data.length).toBe(275);
    expect(data.every((r) => r['网格编码'] === TONGHUA_GRID)).toBe(true);
  });
});
