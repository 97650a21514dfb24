import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident, IncidentDetail } from '../../server/src/contract/incidents.ts';
import { freshPointIn, idemKey, pointIn, startHarness, TONGHUA_GRID, type Harness } from '../helpers/server.ts';

let h: Harness;
let dispatcher: string;
let dispatcher2: string;
let gridworker: string;
let leader: string;
let wall: string;
let admin: string;
let outsideWorker: string;

beforeAll(async () => {
  h = await startHarness({ DUPLICATE_RADIUS_M: '5' });
  dispatcher = (await h.login('dispatcher')).token;
  dispatcher2 = (await h.login('sim-dispatcher-b')).token;
  gridworker = (await h.login('gridworker')).token;
  leader = (await h.login('leader')).token;
  wall = (await h.login('wall')).token;
  admin = (await h.login('admin')).token;
  outsideWorker = (await h.login('sim-gw-431103009008')).token; // 楚江圩: not 通化街
});
afterAll(() => h.close());

const report = (overrides: Record<string, unknown> = {}) => ({
  class: '市容环境',
  priority: '一般',
  source: '网格员巡查',
  ...('lng' in overrides ? {} : freshPointIn(h.app, TONGHUA_GRID)),
  description: '路边垃圾堆积未清运',
  reporterName: '张三',
  reporterPhone: '13812345678',
  ...overrides,
});
async function newCase(overrides: Record<string, unknown> = {}): Promise<Incident> {
  const res = await h.api<{ incident: Incident }>(dispatcher, 'POST', '/api/incidents', report(overrides), {
    'idempotency-key': idemKey(),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.incident;
}
async function act(token: string, id: string, body: Record<string, unknown>) {
  return h.api<{ incident: Incident; error?: { code: string; message: string } }>(token, 'POST', `/api/incidents/${id}/actions`, body);
}
async function step(token: string, incident: Incident, body: Record<string, unknown>): Promise<Incident> {
  const res = await act(token, incident.id, { ...body, version: incident.version });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.incident;
}

describe('reporting', () => {
  it('locates a report to its grid and suggests the grid party branch', async () => {
    const c = await newCase();
    expect(c.stage).toBe('reported');
    expect(c.gridCode).toBe(TONGHUA_GRID);
    expect(c.communityCode).toBe('431103003004');
    expect(c.suggestedAssignee).toEqual({ kind: 'branch', id: `P${TONGHUA_GRID}`, name: '通化街社区第一网格党支部' });
    expect(c.deadline).not.toBeNull();
    expect(c.id).toMatch(/^20261130\d{5}$/);
  });

  it('keeps a report outside every grid and flags it for manual location', async () => {
    const c = await newCase({ lng: 111.75, lat: 26.7, class: '安全隐患' });
    expect(c.gridCode).toBeNull();
    expect(c.needsManualLocation).toBe(true);
    const detail = await h.api<{ incident: IncidentDetail }>(dispatcher, 'GET', `/api/incidents/${c.id}`);
    expect(detail.body.incident.timeline[0]!.note).toMatch(/待人工定位/);
  });

  it('returns the same case for a retried Idempotency-Key, and refuses the key for another body', async () => {
    const key = idemKey();
    const body = report({ class: '交通设施' });
    const first = await h.api<{ incident: Incident }>(dispatcher, 'POST', '/api/incidents', body, { 'idempotency-key': key });
    const again = await h.api<{ incident: Incident }>(dispatcher, 'POST', '/api/incidents', body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.incident.id).toBe(first.body.incident.id);
    const other = await h.api<{ error: { code: string } }>(dispatcher, 'POST', '/api/incidents', report({ class: '公用设施' }), {
      'idempotency-key': key,
    });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency-mismatch');
  });

  it('concurrent retries with one key create exactly one case', async () => {
    const key = idemKey();
    const before = h.app.db.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number };
    const body = report({ class: '园林绿化设施' });
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        h.api<{ incident: Incident }>(dispatcher, 'POST', '/api/incidents', body, { 'idempotency-key': key }),
      ),
    );
    expect(new Set(results.map((r) => r.body.incident.id)).size).toBe(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const after = h.app.db.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number };
    expect(after.n - before.n).toBe(1);
  });

  it('numbers each day’s cases consecutively: a retry or a refused key takes no number', async () => {
    const key = idemKey();
    const a = await newCase({ class: '市容环境设施' });
    const body = report({ class: '交通设施' });
    const b = await Promise.all(
      [1, 2, 3].map(() => h.api<{ incident: Incident }>(dispatcher, 'POST', '/api/incidents', body, { 'idempotency-key': key })),
    );
    expect((await h.api(dispatcher, 'POST', '/api/incidents', report({ class: '公用设施' }), { 'idempotency-key': key })).status).toBe(409);
    const c = await newCase({ class: '市容环境设施' });
    const serial = (id: string): number => Number(id.slice(8));
    expect(new Set(b.map((r) => r.body.incident.id)).size).toBe(1);
    expect([serial(b[0]!.body.incident.id), serial(c.id)]).toEqual([serial(a.id) + 1, serial(a.id) + 2]);
  });

  it('links a report of the same class nearby to the open case instead of opening another', async () => {
    const p = freshPointIn(h.app, '431103003004002');
    const primary = await newCase({ class: '宣传广告', ...p });
    const dup = await newCase({ class: '宣传广告', lng: p.lng + 0.00003, lat: p.lat });
    expect(dup.stage).toBe('merged');
    expect(dup.duplicateOf).toBe(primary.id);
    const other = await newCase({ class: '施工管理', ...p });
    expect(other.duplicateOf).toBeNull();
    const after = await h.api<{ incident: Incident }>(dispatcher, 'GET', `/api/incidents/${primary.id}`);
    expect(after.body.incident.duplicateCount).toBe(1);
  });

  it('answers bad input with 400 and a field-level message, writing nothing', async () => {
    const count = () => (h.app.db.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number }).n;
    const before = count();
    const bad = await h.api<{ error: { code: string; fields: Record<string, string> } }>(
      dispatcher,
      'POST',
      '/api/incidents',
      report({ class: '外星人', lng: 'east', description: '' }),
      { 'idempotency-key': idemKey() },
    );
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields)).toEqual(expect.arrayContaining(['class', 'lng', 'description']));
    expect((await h.api(dispatcher, 'POST', '/api/incidents', report())).status).toBe(400); // no Idempotency-Key
    expect((await h.api(dispatcher, 'POST', '/api/incidents', '{"class":', { 'idempotency-key': idemKey() })).status).toBe(400);
    expect(
      (await h.api(dispatcher, 'POST', '/api/incidents', report({ description: 'x'.repeat(70_000) }), { 'idempotency-key': idemKey() }))
        .status,
    ).toBe(413);
    expect(
      (
        await h.api(dispatcher, 'POST', '/api/incidents', report({ gridCode: '431103003004999', lng: undefined, lat: undefined }), {
          'idempotency-key': idemKey(),
        })
      ).status,
    ).toBe(400);
    expect(count()).toBe(before);
  });

  it('answers reports with the headers and body rules of every other route', async () => {
    const post = (headers: Record<string, string>, body: string) => fetch(`${h.base}/api/incidents`, { method: 'POST', headers, body });
    const auth = { authorization: `Bearer ${dispatcher}` };
    const ok = await post({ ...auth, 'content-type': 'application/json', 'idempotency-key': idemKey() }, JSON.stringify(report()));
    const list = await fetch(`${h.base}/api/incidents?limit=1`, { headers: auth });
    expect(ok.status).toBe(201);
    const id = ((await ok.json()) as { incident: Incident }).incident.id;
    expect(ok.headers.get('location')).toBe(`/api/incidents/${id}`);
    expect(ok.headers.get('content-type')).toBe(list.headers.get('content-type'));
    // Small answers go out uncompressed; the compression middleware's Vary and encoding are its own.
    const own = new Set(['date', 'etag', 'content-length', 'connection', 'keep-alive', 'location', 'vary', 'content-encoding']);
    const headersOf = (res: Response) => [...res.headers].filter(([name]) => !own.has(name));
    expect(headersOf(list).length).toBeGreaterThan(10); // helmet's dozen and the content type
    expect(headersOf(ok)).toEqual(headersOf(list));
    expect(ok.headers.get('x-powered-by')).toBeNull();
    // The body is read before authentication; only JSON types are parsed, objects and arrays only.
    expect((await post({ 'content-type': 'application/json' }, '{"class":')).status).toBe(400);
    expect((await post({ 'content-type': 'application/json' }, JSON.stringify(report()))).status).toBe(401);
    expect((await post({ ...auth, 'content-type': 'text/plain', 'idempotency-key': idemKey() }, JSON.stringify(report()))).status).toBe(
      400,
    );
    expect((await post({ ...auth, 'content-type': 'application/json', 'idempotency-key': idemKey() }, '"a string"')).status).toBe(400);
    expect(
      (await post({ ...auth, 'content-type': 'application/json', 'content-encoding': 'gzip', 'idempotency-key': idemKey() }, '{}')).status,
    ).toBe(400);
    const big = await post(
      { ...auth, 'content-type': 'application/json', 'idempotency-key': idemKey() },
      JSON.stringify(report({ description: '长'.repeat(30_000) })),
    );
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ error: { code: 'too-large', message: '请求内容过大' } });
    expect(
      (
        await post(
          { authorization: `Bearer ${leader}`, 'content-type': 'application/json', 'idempotency-key': idemKey() },
          JSON.stringify(report()),
        )
      ).status,
    ).toBe(403);
  });

  it('previews what a report would be filed as, writing nothing', async () => {
    const count = () => (h.app.db.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number }).n;
    const p = freshPointIn(h.app, '431103003004003');
    const primary = await newCase({ class: '宣传广告', ...p });
    const before = count();
    const fresh = await h.api<{ preview: Record<string, unknown> }>(dispatcher, 'POST', '/api/incidents/preview', report());
    expect(fresh.status).toBe(200);
    expect(fresh.body.preview).toMatchObject({
      gridCode: TONGHUA_GRID,
      stage: 'reported',
      duplicateOf: null,
      suggestedAssignee: { id: `P${TONGHUA_GRID}` },
    });
    expect(fresh.body.preview.deadline).toEqual(expect.any(String));
    const dup = await h.api<{ preview: Record<string, unknown> }>(
      dispatcher,
      'POST',
      '/api/incidents/preview',
      report({ class: '宣传广告', ...p }),
    );
    expect(dup.body.preview).toMatchObject({ stage: 'merged', duplicateOf: primary.id, deadline: null });
    expect((await h.api(dispatcher, 'POST', '/api/incidents/preview', report({ class: '外星人' }))).status).toBe(400);
    expect((await h.api(leader, 'POST', '/api/incidents/preview', report())).status).toBe(403);
    expect((await h.api(outsideWorker, 'POST', '/api/incidents/preview', report())).status).toBe(403);
    expect(count()).toBe(before);
  });
});

describe('the closed loop', () => {
  it("lets the assignee handle a case sent to a branch other than the place's owner, and lets dispatch 改派 or 撤回 it with a reason", async () => {
    // A case in 通化街社区第二网格, sent to the first grid's branch: its grid worker must see it and act.
    let c = await newCase({ ...freshPointIn(h.app, '431103003004002') });
    expect(c.gridCode).toBe('431103003004002');
    c = await step(dispatcher, c, { action: 'accept' });
    c = await step(dispatcher, c, { action: 'register' });
    c = await step(dispatcher, c, { action: 'dispatch', to: { kind: 'branch', gridCode: TONGHUA_GRID } });
    expect(c.assignee).toMatchObject({ id: `P${TONGHUA_GRID}` });
    expect((await h.api(gridworker, 'GET', `/api/incidents/${c.id}`)).status).toBe(200);
    const { snapshot } = await h.socket(gridworker);
    expect(snapshot.incidents.some((i) => i.id === c.id)).toBe(true);
    c = await step(gridworker, c, { action: 'start' });
    // 改派 needs a reason and a new assignee, and only dispatch may do it.
    expect(
      (await act(dispatcher, c.id, { action: 'reassign', version: c.version, to: { kind: 'department', name: '区城管局' } })).status,
    ).toBe(400);
    expect(
      (
        await act(gridworker, c.id, {
          action: 'reassign',
          version: c.version,
          to: { kind: 'department', name: '区城管局' },
          note: '不归我',
        })
      ).status,
    ).toBe(403);
    c = await step(dispatcher, c, { action: 'reassign', to: { kind: 'department', name: '区城管局' }, note: '占道经营归城管' });
    expect(c).toMatchObject({ stage: 'dispatched', assignee: { kind: 'department', name: '区城管局' } });
    expect((await h.api(gridworker, 'GET', `/api/incidents/${c.id}`)).status).toBe(404); // no longer theirs, nor in their grid
    c = await step(dispatcher, c, { action: 'recall', note: '先核实地址' });
    expect(c).toMatchObject({ stage: 'registered', assignee: null });
    const timeline = (await h.api<{ incident: IncidentDetail }>(dispatcher, 'GET', `/api/incidents/${c.id}`)).body.incident.timeline;
    expect(timeline.map((e) => e.note)).toEqual(
      expect.arrayContaining([
        '派遣至 通化街社区第一网格党支部',
        '改派：通化街社区第一网格党支部 → 区城管局：占道经营归城管',
        '撤回（原承办 区城管局）：先核实地址',
      ]),
    );
  });

  it('takes a case from report to evaluation, recording every step on the timeline', async () => {
    let c = await newCase();
    c = await step(dispatcher, c, { action: 'accept' });
    c = await step(dispatcher, c, { action: 'register' });
    c = await step(dispatcher, c, { action: 'dispatch' });
    expect(c.assignee?.id).toBe(`P${TONGHUA_GRID}`);
    c = await step(gridworker, c, { action: 'start' });
    c = await step(gridworker, c, { action: 'feedback', note: '已清运' });
    c = await step(dispatcher, c, { action: 'verify', pass: false });
    expect(c.stage).toBe('handling');
    expect(c.reworkCount).toBe(1);
    c = await step(gridworker, c, { action: 'feedback', note: '已彻底清运' });
    c = await step(dispatcher, c, { action: 'verify', pass: true });
    c = await step(dispatcher, c, { action: 'close' });
    expect(c.closedOnTime).toBe(true);
    c = await step(leader, c, { action: 'evaluate', rating: 5 });
    expect(c.stage).toBe('evaluated');
    const detail = await h.api<{ incident: IncidentDetail }>(dispatcher, 'GET', `/api/incidents/${c.id}`);
    expect(detail.body.incident.timeline.map((e) => e.type)).toEqual([
      'report',
      'accept',
      'register',
      'dispatch',
      'start',
      'feedback',
      'verify',
      'feedback',
      'verify',
      'close',
      'evaluate',
    ]);
    expect(detail.body.incident.timeline.map((e) => e.toStage)).toEqual([
      'reported',
      'accepted',
      'registered',
      'dispatched',
      'handling',
      'handled',
      'handling',
      'handled',
      'verified',
      'closed',
      'evaluated',
    ]);
  });

  it('refuses every action that the stage does not allow, with 409 and no change', async () => {
    const c = await newCase();
    for (const body of [
      { action: 'register' },
      { action: 'dispatch' },
      { action: 'start' },
      { action: 'feedback', note: 'x' },
      { action: 'verify', pass: true },
      { action: 'close' },
      { action: 'evaluate', rating: 3 },
      { action: 'extend', hours: 2, note: 'x' },
      { action: 'shelve', note: 'x' },
    ]) {
      const token = ['start', 'feedback'].includes(body.action) ? gridworker : body.action === 'evaluate' ? leader : dispatcher;
      const res = await act(token, c.id, { ...body, version: c.version });
      expect([403, 409], `${body.action}: ${res.status}`).toContain(res.status);
      if (res.status === 409) expect(res.body.error!.code).toBe('invalid-transition');
    }
    const after = await h.api<{ incident: Incident }>(dispatcher, 'GET', `/api/incidents/${c.id}`);
    expect(after.body.incident.version).toBe(c.version);
  });

  it('rejects with a reason, returns to dispatch, shelves, extends and supervises', async () => {
    const r = await newCase({ class: '矛盾纠纷' });
    const missingReason = await act(dispatcher, r.id, { action: 'reject', version: r.version });
    expect(missingReason.status).toBe(400);
    expect((await step(dispatcher, r, { action: 'reject', note: '不属于受理范围' })).stage).toBe('rejected');

    let c = await newCase({ class: '治安隐患' });
    c = await step(dispatcher, c, { action: 'accept' });
    c = await step(dispatcher, c, { action: 'register' });
    c = await step(dispatcher, c, { action: 'dispatch' });
    c = await step(gridworker, c, { action: 'return', note: '属于部门职责' });
    expect(c.stage).toBe('registered');
    expect(c.assignee).toBeNull();
    c = await step(dispatcher, c, { action: 'dispatch', to: { kind: 'department', name: '区公安分局' } });
    expect(c.assignee).toEqual({ kind: 'department', id: '区公安分局', name: '区公安分局' });
    const deadline = Date.parse(c.deadline!);
    c = await step(dispatcher, c, { action: 'extend', hours: 24, note: '需调取监控' });
    expect(Date.parse(c.deadline!) - deadline).toBe(24 * 3_600_000);
    c = await step(leader, c, { action: 'supervise' });
    expect(c.supervised).toBe(true);
    c = await step(dispatcher, c, { action: 'shelve', note: '需纳入改造计划' });
    expect(c.stage).toBe('shelved');
  });

  it('enforces separation of duties: whoever handled a case cannot verify or close it', async () => {
    let c = await newCase({ lng: 111.75, lat: 26.7 });
    c = await step(dispatcher, c, { action: 'accept' });
    c = await step(dispatcher, c, { action: 'register' });
    c = await step(dispatcher, c, { action: 'dispatch', to: { kind: 'department', name: '区城管局' } });
    c = await step(dispatcher, c, { action: 'start' }); // a dispatcher relays the department's work
    c = await step(dispatcher, c, { action: 'feedback', note: '部门已处置' });
    const self = await act(dispatcher, c.id, { action: 'verify', pass: true, version: c.version });
    expect(self.status).toBe(403);
    expect(self.body.error!.message).toMatch(/监管分离/);
    c = await step(dispatcher2, c, { action: 'verify', pass: true });
    expect((await act(dispatcher, c.id, { action: 'close', version: c.version })).status).toBe(403);
    expect((await step(dispatcher2, c, { action: 'close' })).stage).toBe('closed');
  });

  it('refuses by role and scope on the server', async () => {
    let c = await newCase();
    expect((await act(wall, c.id, { action: 'accept', version: c.version })).status).toBe(403);
    expect((await act(leader, c.id, { action: 'accept', version: c.version })).status).toBe(403);
    expect((await act(admin, c.id, { action: 'accept', version: c.version })).status).toBe(403);
    expect((await act(gridworker, c.id, { action: 'accept', version: c.version })).status).toBe(403);
    c = await step(dispatcher, c, { action: 'accept' });
    c = await step(dispatcher, c, { action: 'register' });
    c = await step(dispatcher, c, { action: 'dispatch' });
    // A grid worker of another community cannot see or touch it.
    expect((await act(outsideWorker, c.id, { action: 'start', version: c.version })).status).toBe(404);
    expect((await h.api(outsideWorker, 'GET', `/api/incidents/${c.id}`)).status).toBe(404);
    const list = await h.api<{ items: Incident[] }>(outsideWorker, 'GET', '/api/incidents?limit=500');
    expect(list.body.items.every((i) => i.gridCode?.startsWith('431103009008'))).toBe(true);
    expect((await h.api(outsideWorker, 'GET', '/api/incidents?scope=431103003004')).status).toBe(403);
    // The wall and leaders cannot report; nobody unauthenticated can do anything.
    expect((await h.api(wall, 'POST', '/api/incidents', report(), { 'idempotency-key': idemKey() })).status).toBe(403);
    expect((await h.api(leader, 'POST', '/api/incidents', report(), { 'idempotency-key': idemKey() })).status).toBe(403);
    expect((await h.api(null, 'GET', '/api/incidents')).status).toBe(401);
    expect((await h.api('forged.token', 'GET', '/api/incidents')).status).toBe(401);
    // A grid worker may report only inside their grid.
    expect(
      (
        await h.api(gridworker, 'POST', '/api/incidents', report({ ...pointIn(h.app, '431103001006001') }), {
          'idempotency-key': idemKey(),
        })
      ).status,
    ).toBe(403);
  });

  it('gives a stale version 409 and changes nothing', async () => {
    const c = await newCase();
    await step(dispatcher, c, { action: 'accept' });
    const stale = await act(dispatcher, c.id, { action: 'reject', note: 'x', version: c.version });
    expect(stale.status).toBe(409);
    expect(stale.body.error!.code).toBe('stale-version');
    const now = await h.api<{ incident: Incident }>(dispatcher, 'GET', `/api/incidents/${c.id}`);
    expect(now.body.incident.stage).toBe('accepted');
  });

  it('lets exactly one of two racing dispatchers win, in each of 100 races, and the audit trail agrees', async () => {
    for (let round = 0; round < 100; round++) {
      const grid = h.app.geography.units('grid')[(round * 7) % 304]!.properties.code;
      let c = await newCase({ class: '街面秩序', ...freshPointIn(h.app, grid) });
      c = await step(dispatcher, c, { action: 'accept' });
      c = await step(dispatcher, c, { action: 'register' });
      const [a, b] = await Promise.all([
        act(dispatcher, c.id, { action: 'dispatch', version: c.version }),
        act(dispatcher2, c.id, { action: 'dispatch', to: { kind: 'department', name: '区城管局' }, version: c.version }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      const detail = await h.api<{ incident: IncidentDetail }>(dispatcher, 'GET', `/api/incidents/${c.id}`);
      expect(detail.body.incident.timeline.filter((e) => e.type === 'dispatch')).toHaveLength(1);
    }
  });

  it('lists with filters and cursor pagination', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/api/incidents?limit=5&scope=431103003004${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { status: number; body: { items: Incident[]; nextCursor: string | null } } = await h.api(dispatcher, 'GET', q);
      expect(page.status).toBe(200);
      for (const i of page.body.items) {
        expect(seen.has(i.id)).toBe(false);
        expect(i.gridCode?.startsWith('431103003004')).toBe(true);
        seen.add(i.id);
      }
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    const total = (h.app.db.prepare("SELECT count(*) AS n FROM incidents WHERE grid_code LIKE '431103003004%'").get() as { n: number }).n;
    expect(seen.size).toBe(total);
    const rejected = await h.api<{ items: Incident[] }>(dispatcher, 'GET', '/api/incidents?stage=rejected');
    expect(rejected.body.items.length).toBeGreaterThan(0);
    expect(rejected.body.items.every((i) => i.stage === 'rejected')).toBe(true);
    expect((await h.api(dispatcher, 'GET', '/api/incidents?stage=nonsense')).status).toBe(400);
    expect((await h.api(dispatcher, 'GET', '/api/incidents?cursor=garbage')).status).toBe(400);
  });

  it('masks reporter name and phone for the wall role and nobody else', async () => {
    const c = await newCase({ reporterName: '欧阳娜娜', reporterPhone: '13912345678', description: '请回电13912345678' });
    const asWall = await h.api<{ incident: Incident }>(wall, 'GET', `/api/incidents/${c.id}`);
    expect(asWall.body.incident.reporterName).toBe('欧***');
    expect(asWall.body.incident.reporterPhone).toBe('139****5678');
    expect(JSON.stringify(asWall.body)).not.toContain('13912345678');
    expect(JSON.stringify(asWall.body)).not.toContain('欧阳娜娜');
    const asLeader = await h.api<{ incident: Incident }>(leader, 'GET', `/api/incidents/${c.id}`);
    expect(asLeader.body.incident.reporterPhone).toBe('13912345678');
  });

  it('replays every case from its events to exactly the stored row', async () => {
    const { replayIncident } = await import('../../server/src/store/incidents-repo.ts');
    const rows = h.app.db.prepare('SELECT id, data FROM incidents').all() as { id: string; data: string }[];
    expect(rows.length).toBeGreaterThan(20);
    for (const r of rows) expect(replayIncident(h.app.db, r.id), r.id).toEqual(JSON.parse(r.data));
  });
});
