/**
 * Open311 GeoReport v2 conformance: every method in JSON and XML (XML parsed, not matched), every
 * error case the spec names, a third-party client's whole journey (list services, submit, follow
 * to closed), API keys (admin-issued, scoped, revocable, rate-limited) and masking.
 */
import { XMLParser } from 'fast-xml-parser';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../server/src/contract/incidents.ts';
import { OPEN311_LIMITS } from '../../server/src/http/open311.ts';
import { freshPointIn, startHarness, TONGHUA_GRID, type Harness } from '../helpers/server.ts';

let h: Harness;
let admin: string;
let dispatcher: string;
let gridworker: string;
let key: string;
const parser = new XMLParser({
  parseTagValue: false,
  isArray: (name) => ['service', 'request', 'error', 'note', 'attribute', 'value', 'endpoint', 'format'].includes(name),
});

beforeAll(async () => {
  h = await startHarness({ DUPLICATE_RADIUS_M: '5', PUBLIC_URL: 'https://grid.lengshuitan.example/' });
  admin = (await h.login('admin')).token;
  dispatcher = (await h.login('dispatcher')).token;
  gridworker = (await h.login('gridworker')).token;
  key = (await issue({ name: '12345热线平台', source: '12345热线' })).key;
});
afterAll(() => h.close());

async function issue(body: Record<string, unknown>): Promise<{ key: string; apiKey: { id: string } }> {
  const res = await h.api<{ key: string; apiKey: { id: string } }>(admin, 'POST', '/api/admin/api-keys', body);
  expect(res.status).toBe(201);
  return res.body;
}
const get = async (path: string) => {
  const res = await fetch(`${h.base}/open311/v2/${path}`);
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    text,
    json: () => JSON.parse(text) as unknown,
    xml: () => parser.parse(text) as Record<string, unknown>,
  };
};
const post = async (file: string, form: Record<string, string>) => {
  const res = await fetch(`${h.base}/open311/v2/${file}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: () => JSON.parse(text) as ({ service_request_id: string; token: string } & { code: number; description: string })[],
    xml: () => parser.parse(text) as Record<string, unknown>,
  };
};
const at = (grid = TONGHUA_GRID) => {
  const p = freshPointIn(h.app, grid);
  return { lat: String(p.lat), long: String(p.lng) };
};

describe('Open311 discovery and services', () => {
  it('describes the endpoint in both formats', async () => {
    const json = (await get('discovery.json')).json() as { endpoints: { specification: string; formats: string[]; url: string }[] };
    expect(json.endpoints[0]).toMatchObject({
      specification: 'http://wiki.open311.org/GeoReport_v2',
      formats: ['application/json', 'text/xml'],
    });
    expect(json.endpoints[0]!.url).toBe('https://grid.lengshuitan.example/open311/v2');
    const xml = await get('discovery.xml');
    expect(xml.type).toMatch(/^text\/xml/);
    expect(
      (xml.xml().discovery as { endpoints: { endpoint: { formats: { format: string[] } }[] } }).endpoints.endpoint[0]!.formats.format,
    ).toEqual(['application/json', 'text/xml']);
  });

  it('names its own public address, never the one a Host header claims', async () => {
    const url = new URL(`${h.base}/open311/v2/discovery.json`);
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, headers: { host: 'attacker.example' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += String(c)));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).not.toContain('attacker.example');
    expect(JSON.parse(body)).toMatchObject({ endpoints: [{ url: 'https://grid.lengshuitan.example/open311/v2' }] });
  });

  it('lists one service per incident class, grouped by top class, in both formats', async () => {
    const json = (await get('services.json')).json() as { service_code: string; service_name: string; group: string; metadata: boolean }[];
    expect(json).toHaveLength(14);
    expect(json[0]).toMatchObject({ service_code: 'E01', service_name: '市容环境', group: '事件', metadata: true, type: 'realtime' });
    expect(new Set(json.map((s) => s.group))).toEqual(new Set(['事件', '部件', '社会治理']));
    const xml = (await get('services.xml')).xml() as { services: { service: { service_code: string; group: string }[] } };
    expect(xml.services.service.map((s) => s.service_code)).toEqual(json.map((s) => s.service_code));
  });

  it('defines a service with its attributes, and answers 404 for an unknown one in the requested format', async () => {
    const def = (await get('services/S03.json')).json() as {
      service_code: string;
      attributes: { code: string; datatype: string; values: { key: string }[] }[];
    };
    expect(def.service_code).toBe('S03');
    expect(def.attributes[0]).toMatchObject({ code: 'priority', datatype: 'singlevaluelist' });
    expect(def.attributes[0]!.values.map((v) => v.key)).toEqual(['一般', '紧急', '重大']);
    const xml = (await get('services/S03.xml')).xml() as {
      service_definition: { attributes: { attribute: { values: { value: unknown[] } }[] } };
    };
    expect(xml.service_definition.attributes.attribute[0]!.values.value).toHaveLength(3);
    const missing = await get('services/X99.json');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual([{ code: 404, description: expect.stringContaining('X99') }]);
    const missingXml = await get('services/X99.xml');
    expect(missingXml.status).toBe(404);
    expect((missingXml.xml().errors as { error: { code: string }[] }).error[0]!.code).toBe('404');
    expect((await get('services.csv')).status).toBe(404);
  });
});

describe('Open311 requests', () => {
  it('takes a submission from a third party and lets it follow the case to closed', async () => {
    const sent = await post('requests.json', {
      api_key: key,
      service_code: 'E01',
      ...at(),
      description: '路边垃圾堆积，联系电话13912345678',
      first_name: '三',
      last_name: '张',
      phone: '13912345678',
      'attribute[priority]': '紧急',
      address_string: '通化街12号',
    });
    expect(sent.status, sent.text).toBe(201);
    const { service_request_id: id, token } = sent.json()[0]!;
    const stored = (await h.api<{ incident: Incident }>(dispatcher, 'GET', `/api/incidents/${id}`)).body.incident;
    expect(stored).toMatchObject({
      class: '市容环境',
      priority: '紧急',
      source: '12345热线',
      gridCode: TONGHUA_GRID,
      reporterName: '张三',
      reporterPhone: '13912345678',
    });

    // The same form again is the same request (a client's retry), not a second case.
    const again = await post('requests.json', {
      api_key: key,
      service_code: 'E01',
      lat: String(stored.lat),
      long: String(stored.lng),
      description: '路边垃圾堆积，联系电话13912345678',
      first_name: '三',
      last_name: '张',
      phone: '13912345678',
      'attribute[priority]': '紧急',
      address_string: '通化街12号',
    });
    expect(again.status).toBe(200);
    expect(again.json()[0]!.service_request_id).toBe(id);

    expect((await get(`tokens/${token}.json`)).json()).toEqual([{ service_request_id: id, token }]);
    const open = ((await get(`requests/${id}.json?extensions=true`)).json() as Record<string, unknown>[])[0]!;
    expect(open).toMatchObject({
      service_request_id: id,
      status: 'open',
      service_code: 'E01',
      service_name: '市容环境',
      agency_responsible: '通化街社区第一网格党支部',
    });
    expect(open.status_notes).toMatch(/^上报/);
    expect(open.requested_datetime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    expect(open.expected_datetime).toMatch(/\+08:00$/);
    expect(open.address).toMatch(/^湖南省永州市冷水滩区肖家园街道通化街社区通化街社区第一网格/);
    expect(open.extended_attributes).toMatchObject({ grid_code: TONGHUA_GRID, stage: 'reported', escalation_level: 0 });
    expect((open.notes as unknown[]).length).toBe(1);
    expect(JSON.stringify(open)).not.toContain('13912345678'); // masked in the text, never the reporter's fields

    let version = stored.version;
    for (const [token2, body] of [
      [dispatcher, { action: 'accept' }],
      [dispatcher, { action: 'register' }],
      [dispatcher, { action: 'dispatch' }],
      [gridworker, { action: 'start' }],
      [gridworker, { action: 'feedback', note: '已清运' }],
      [dispatcher, { action: 'verify', pass: true }],
      [dispatcher, { action: 'close', note: '办结' }],
    ] as const) {
      const res = await h.api<{ incident: Incident }>(token2, 'POST', `/api/incidents/${id}/actions`, { ...body, version });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      version = res.body.incident.version;
    }
    expect(((await get(`requests/${id}.json`)).json() as Record<string, unknown>[])[0]).toMatchObject({
      status: 'closed',
      status_notes: '结案：办结',
    });
    expect(((await get(`requests/${id}.json`)).json() as Record<string, unknown>[])[0]).not.toHaveProperty('notes');
    const closed = (await get(`requests/${id}.xml?extensions=true`)).xml() as { service_requests: { request: Record<string, unknown>[] } };
    const r = closed.service_requests.request[0]!;
    expect(r).toMatchObject({ service_request_id: id, status: 'closed', status_notes: '结案：办结', expected_datetime: '' });
    expect((r.notes as { note: { type: string }[] }).note.map((n) => n.type)).toEqual([
      '上报',
      '受理',
      '立案',
      '派遣',
      '开始处置',
      '处置反馈',
      '核查',
      '结案',
    ]);
  });

  it('accepts a place by address only, for manual location', async () => {
    const sent = await post('requests.xml', {
      api_key: key,
      service_code: 'S04',
      address_string: '冷水滩区某小区',
      description: '独居老人需要帮助',
    });
    expect(sent.status, sent.text).toBe(201);
    const id = (sent.xml().service_requests as { request: { service_request_id: string }[] }).request[0]!.service_request_id;
    const stored = (await h.api<{ incident: Incident }>(dispatcher, 'GET', `/api/incidents/${id}`)).body.incident;
    expect(stored).toMatchObject({ needsManualLocation: true, address: '冷水滩区某小区', gridCode: null });
  });

  it('refuses bad submissions with the spec errors, in the requested format, and files nothing', async () => {
    const count = () => (h.app.db.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number }).n;
    const before = count();
    const { apiKey } = await issue({ name: '已撤销的接口' });
    const revokedKey = await issue({ name: '将撤销的接口' });
    expect((await h.api(admin, 'DELETE', `/api/admin/api-keys/${revokedKey.apiKey.id}`)).status).toBe(200);
    void apiKey;
    const cases: [Record<string, string>, number, RegExp][] = [
      [{ service_code: 'E01', ...at() }, 403, /需要 api_key/],
      [{ api_key: 'lst_nonsense', service_code: 'E01', ...at() }, 403, /无效或已撤销/],
      [{ api_key: revokedKey.key, service_code: 'E01', ...at() }, 403, /无效或已撤销/],
      [{ api_key: key, service_code: 'Z99', ...at() }, 400, /service_code/],
      [{ api_key: key, ...at() }, 400, /service_code/],
      [{ api_key: key, service_code: 'E01' }, 400, /需要位置/],
      [{ api_key: key, service_code: 'E01', lat: '26.44' }, 400, /lat 和 long 须同时/],
      [{ api_key: key, service_code: 'E01', lat: 'north', long: '111.6' }, 400, /lat/],
      [{ api_key: key, service_code: 'E01', ...at(), description: '长'.repeat(4001) }, 400, /4000/],
      [{ api_key: key, service_code: 'E01', ...at(), description: '<b>加粗</b>' }, 400, /不能含 HTML/],
      [{ api_key: key, service_code: 'E01', ...at(), description: 'a &amp; b' }, 400, /不能含 HTML/],
      [{ api_key: key, service_code: 'E01', ...at(), 'attribute[priority]': '特急' }, 400, /priority/],
      [{ api_key: key, service_code: 'E01', ...at(), 'attribute[colour]': 'red' }, 400, /attribute\[colour\]/],
      [{ api_key: key, service_code: 'E01', address_id: '431103003004999' }, 400, /grid/],
    ];
    for (const [form, status, message] of cases) {
      const json = await post('requests.json', form);
      expect(json.status, JSON.stringify(form)).toBe(status);
      expect(json.json()[0]!.code).toBe(status);
      expect(json.json()[0]!.description).toMatch(message);
      const xml = await post('requests.xml', form);
      expect(xml.status).toBe(status);
      expect((xml.xml().errors as { error: { code: string; description: string }[] }).error[0]!.code).toBe(String(status));
    }
    expect(count()).toBe(before);
  });

  it('keeps a scoped key inside its part of the district', async () => {
    const street = await issue({ name: '楚江圩街道小程序', scope: '431103009' });
    const outside = await post('requests.json', { api_key: street.key, service_code: 'E01', ...at() });
    expect(outside.status).toBe(403);
    const inside = await post('requests.json', {
      api_key: street.key,
      service_code: 'E01',
      ...at('431103009008001'),
      description: '井盖破损',
    });
    expect(inside.status, inside.text).toBe(201);
  });

  it('limits submissions per key', async () => {
    const busy = await issue({ name: '批量推送测试' });
    for (let n = 0; n < OPEN311_LIMITS.postsPerMinute; n++) {
      expect(
        (await post('requests.json', { api_key: busy.key, service_code: 'S01', address_string: `某处 ${n}`, description: `第${n}件` }))
          .status,
      ).toBe(201);
    }
    const over = await post('requests.json', { api_key: busy.key, service_code: 'S01', address_string: '某处', description: '超限' });
    expect(over.status).toBe(429);
    expect(over.json()[0]!.code).toBe(429);
    h.clock.advance(61_000);
    expect(
      (await post('requests.json', { api_key: busy.key, service_code: 'S01', address_string: '某处', description: '一分钟后' })).status,
    ).toBe(201);
  });

  it('lists requests with the spec filters and pages, and refuses bad ones', async () => {
    for (let n = 0; n < 5; n++)
      await post('requests.json', { api_key: key, service_code: 'P02', ...at('431103003004002'), description: `交通设施 ${n}` });
    const all = (await get('requests.json?service_code=P02&page_size=3')).json() as { service_code: string; status: string }[];
    expect(all).toHaveLength(3);
    expect(all.every((r) => r.service_code === 'P02' && r.status === 'open')).toBe(true);
    const second = (await get('requests.json?service_code=P02&page_size=3&page=2')).json() as unknown[];
    expect(second).toHaveLength(2);
    expect((await get('requests.json?service_code=P02&status=closed')).json()).toEqual([]);
    const both = (await get('requests.json?service_code=P02,E01&status=open,closed&page_size=100')).json() as { service_code: string }[];
    expect(new Set(both.map((r) => r.service_code))).toEqual(new Set(['P02', 'E01']));
    const xml = (await get('requests.xml?service_code=P02')).xml() as { service_requests: { request: unknown[] } };
    expect(xml.service_requests.request).toHaveLength(5);
    const ids = all.map((r) => (r as unknown as { service_request_id: string }).service_request_id);
    expect(((await get(`requests.json?service_request_id=${ids.join(',')},nope`)).json() as unknown[]).length).toBe(3);
    const reversed = await get('requests.json?start_date=2026-12-01T00:00:00%2B08:00&end_date=2026-11-01T00:00:00%2B08:00');
    expect(reversed.status).toBe(400);
    expect((reversed.json() as { description: string }[])[0]!.description).toMatch(/须早于 end_date/);
    const window = (
      await get('requests.json?service_code=P02&start_date=2026-11-30T00:00:00%2B08:00&end_date=2026-11-30T23:59:59%2B08:00')
    ).json() as unknown[];
    expect(window).toHaveLength(5);
    const tooLong = await get('requests.json?start_date=2026-01-01T00:00:00%2B08:00&end_date=2026-11-01T00:00:00%2B08:00');
    expect(tooLong.status).toBe(400);
    expect((tooLong.json() as { description: string }[])[0]!.description).toMatch(/90 天/);
    expect((await get('requests.json?service_code=Q01')).status).toBe(400);
    expect((await get('requests.json?page_size=1000')).status).toBe(400);
    // A read costs in proportion to its depth: pages past 1,000 requests are refused, saying how to read further back.
    expect((await get('requests.json?page_size=100&page=10')).status).toBe(200);
    const deep = await get('requests.json?page_size=100&page=11');
    expect(deep.status).toBe(400);
    expect((deep.json() as { description: string }[])[0]!.description).toMatch(/最多 1000 条：请缩小 start_date 至 end_date/);
    expect((await get('requests.xml?page=1001')).status).toBe(400);
    expect((await get('requests/20990101999.json')).status).toBe(404);
    expect(((await get('requests/20990101999.xml')).xml().errors as { error: { code: string }[] }).error[0]!.code).toBe('404');
    expect((await get('tokens/o311-unknown.json')).status).toBe(404);
  });
});

describe('API keys', () => {
  it('are issued, listed and revoked by an admin only, and never shown again', async () => {
    expect((await h.api(dispatcher, 'POST', '/api/admin/api-keys', { name: '越权' })).status).toBe(403);
    expect((await h.api(dispatcher, 'GET', '/api/admin/api-keys')).status).toBe(403);
    expect((await h.api(admin, 'POST', '/api/admin/api-keys', { name: 'x' })).status).toBe(400);
    expect((await h.api(admin, 'POST', '/api/admin/api-keys', { name: '不存在的范围', scope: '431103099' })).status).toBe(400);
    const list = await h.api<{ items: Record<string, unknown>[] }>(admin, 'GET', '/api/admin/api-keys');
    expect(list.body.items.length).toBeGreaterThan(1);
    expect(JSON.stringify(list.body)).not.toContain(key);
    expect(list.body.items.every((k) => !('key' in k) && !('keyHash' in k))).toBe(true);
    expect((await h.api(admin, 'DELETE', '/api/admin/api-keys/no-such-key')).status).toBe(404);
  });
});
