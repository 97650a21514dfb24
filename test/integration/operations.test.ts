import { mkdtempSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/src/config.ts';
import type { Incident, IncidentDetail } from '../../server/src/contract/incidents.ts';
import type { Indicators } from '../../server/src/contract/indicators.ts';
import type { Task } from '../../server/src/contract/tasks.ts';
import { caseScript, createReportPlanner } from '../../server/src/domain/simulator.ts';
import { startSimulator } from '../../server/src/simulator/runner.ts';
import { freshPointIn, idemKey, PASSWORD, startHarness, TONGHUA_GRID, type Harness } from '../helpers/server.ts';

let h: Harness;
let dispatcher: string;
let gridworker: string;

beforeAll(async () => {
  h = await startHarness({ DUPLICATE_RADIUS_M: '5' });
  dispatcher = (await h.login('dispatcher')).token;
  gridworker = (await h.login('gridworker')).token;
});
afterAll(() => h.close());

const newCase = async (extra: Record<string, unknown> = {}): Promise<Incident> => {
  const res = await h.api<{ incident: Incident }>(
    dispatcher,
    'POST',
    '/api/incidents',
    {
      class: '市容环境',
      source: '12345热线',
      ...('lng' in extra ? {} : freshPointIn(h.app, TONGHUA_GRID)),
      description: '垃圾堆积',
      ...extra,
    },
    { 'idempotency-key': idemKey() },
  );
  expect(res.status).toBe(201);
  return res.body.incident;
};
const get = async (id: string): Promise<IncidentDetail> =>
  (await h.api<{ incident: IncidentDetail }>(dispatcher, 'GET', `/api/incidents/${id}`)).body.incident;

describe('SLA clocks on the server', () => {
  it('goes amber, red with automatic 督办, and escalates as the clock is moved; the case then closes late', async () => {
    const c = await newCase(); // 受理 limit: 0.5 working hours from Monday 09:00
    expect(c.deadline).toBe('2026-11-30T01:30:00.000Z');
    h.clock.advance(25 * 60_000);
    await h.app.sweep();
    expect((await get(c.id)).slaState).toBe('amber');
    h.clock.advance(6 * 60_000);
    await h.app.sweep();
    let now = await get(c.id);
    expect(now).toMatchObject({ slaState: 'red', supervised: true, escalationLevel: 1 });
    expect(now.timeline.map((e) => e.type)).toEqual(['report', 'sla-amber', 'sla-red', 'escalate']);
    expect(now.timeline.at(-1)!.note).toBe('超时升级至社区党工委');
    h.clock.advance(60 * 60_000);
    await h.app.sweep();
    now = await get(c.id);
    expect(now.escalationLevel).toBe(3);
    expect(now.timeline.filter((e) => e.type === 'escalate').map((e) => e.note)).toEqual([
      '超时升级至社区党工委',
      '超时升级至街道党工委',
      '超时升级至区委',
    ]);
    await h.app.sweep();
    expect((await get(c.id)).timeline).toHaveLength(now.timeline.length); // nothing more to say
    const overdue = await h.api<{ items: Incident[] }>(dispatcher, 'GET', '/api/incidents?overdue=true');
    expect(overdue.body.items.map((i) => i.id)).toContain(c.id);
    // Walk it to closed: it closes, but not on time.
    const dispatcher2 = (await h.login('sim-dispatcher-b')).token;
    let v = now;
    for (const [token, body] of [
      [dispatcher, { action: 'accept' }],
      [dispatcher, { action: 'register' }],
      [dispatcher, { action: 'dispatch' }],
      [gridworker, { action: 'start' }],
      [gridworker, { action: 'feedback', note: '完成' }],
      [dispatcher2, { action: 'verify', pass: true }],
      [dispatcher2, { action: 'close' }],
    ] as const) {
      const res = await h.api<{ incident: Incident }>(token, 'POST', `/api/incidents/${c.id}/actions`, { ...body, version: v.version });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      v = { ...v, ...res.body.incident };
    }
    expect(v.closedOnTime).toBe(false);
    expect(v.slaState).toBe('ok'); // a new stage starts a new clock
  });
});

describe('tasks', () => {
  it('plans, starts and completes a volunteer task with time-bank hours, and the sweep marks a lapsed one missed', async () => {
    const start = new Date(h.clock.now().getTime() + 3_600_000).toISOString();
    const end = new Date(h.clock.now().getTime() + 3 * 3_600_000).toISOString();
    const created = await h.api<{ task: Task }>(gridworker, 'POST', '/api/tasks', {
      type: '志愿服务',
      title: '助老服务',
      gridCode: TONGHUA_GRID,
      startsAt: start,
      endsAt: end,
      participants: 4,
    });
    expect(created.status).toBe(201);
    expect(created.body.task.assignee).toMatchObject({ kind: 'branch', id: `P${TONGHUA_GRID}` });
    let t = created.body.task;
    t = (await h.api<{ task: Task }>(gridworker, 'POST', `/api/tasks/${t.id}/actions`, { action: 'start', version: t.version })).body.task;
    const done = await h.api<{ task: Task }>(gridworker, 'POST', `/api/tasks/${t.id}/actions`, { action: 'complete', version: t.version });
    expect(done.body.task).toMatchObject({ state: 'done', hours: 8 });
    const again = await h.api<{ error: { code: string } }>(gridworker, 'POST', `/api/tasks/${t.id}/actions`, {
      action: 'complete',
      version: done.body.task.version,
    });
    expect(again.body.error.code).toBe('invalid-transition');

    const lapsed = (
      await h.api<{ task: Task }>(dispatcher, 'POST', '/api/tasks', {
        type: '夜间巡逻',
        title: '夜巡',
        gridCode: TONGHUA_GRID,
        startsAt: start,
        endsAt: end,
        assignee: { kind: 'paired-unit', id: 'PU001' },
      })
    ).body.task;
    expect(lapsed.assignee.kind).toBe('paired-unit');
    h.clock.advance(4 * 3_600_000);
    await h.app.sweep();
    const listed = await h.api<{ items: Task[] }>(dispatcher, 'GET', `/api/tasks?scope=${TONGHUA_GRID}`);
    expect(listed.body.items.map((x) => x.id)).not.toContain(lapsed.id);
    const row = h.app.db.prepare('SELECT state FROM tasks WHERE id = ?').get(lapsed.id) as { state: string };
    expect(row.state).toBe('missed');
  });

  it('refuses tasks outside scope and bad input', async () => {
    const window = { startsAt: h.clock.now().toISOString(), endsAt: new Date(h.clock.now().getTime() + 3_600_000).toISOString() };
    expect(
      (await h.api(gridworker, 'POST', '/api/tasks', { type: '卫生清扫', title: 'x', gridCode: '431103001006001', ...window })).status,
    ).toBe(403);
    expect(
      (
        await h.api(gridworker, 'POST', '/api/tasks', {
          type: '卫生清扫',
          title: 'x',
          gridCode: TONGHUA_GRID,
          startsAt: window.endsAt,
          endsAt: window.startsAt,
        })
      ).status,
    ).toBe(400);
    const wall = (await h.login('wall')).token;
    expect((await h.api(wall, 'POST', '/api/tasks', { type: '卫生清扫', title: 'x', gridCode: TONGHUA_GRID, ...window })).status).toBe(403);
  });
});

describe('indicators, units and operations endpoints', () => {
  it('computes indicators for a scope from the live cases', async () => {
    const before = (await h.api<Indicators>(dispatcher, 'GET', '/api/indicators?scope=431103003004')).body;
    await newCase({ class: '民生服务', source: '群众随手拍' });
    h.clock.advance(3_000); // past the indicator cache age
    const after = (await h.api<Indicators>(dispatcher, 'GET', '/api/indicators?scope=431103003004')).body;
    expect(after.todayReported).toBe(before.todayReported + 1);
    expect(after.classMix.民生服务).toBe((before.classMix.民生服务 ?? 0) + 1);
    expect(after.sourceMix.群众随手拍).toBe((before.sourceMix.群众随手拍 ?? 0) + 1);
    expect(after.ranking.map((r) => r.code)).toHaveLength(h.app.geography.children('431103003004').length);
    expect(after.trend24h).toHaveLength(24);
    expect(after.trend30d).toHaveLength(30);
    expect(after.timeBank.teams).toBeGreaterThanOrEqual(0);
    expect(after.party.partyMembers).toBe(h.app.geography.unit('431103003004')!.properties.partyMembers);
    const district = (await h.api<Indicators>(dispatcher, 'GET', '/api/indicators')).body;
    expect(district.timeBank).toMatchObject({ volunteers: 383, teams: 11 });
    expect(district.party.pairedUnits).toBe(228);
    expect((await h.api(gridworker, 'GET', '/api/indicators?scope=431103')).status).toBe(403);
  });

  it('answers a unit with both hierarchies', async () => {
    const res = await h.api<{ unit: { name: string }; lineage: { code: string }[]; partyChain: { kind: string; name: string }[] }>(
      dispatcher,
      'GET',
      `/api/units/${TONGHUA_GRID}`,
    );
    expect(res.body.unit.name).toBe('通化街社区第一网格');
    expect(res.body.lineage.map((u) => u.code)).toEqual(['431103', '431103003', '431103003004', TONGHUA_GRID]);
    expect(res.body.partyChain.map((o) => o.kind)).toEqual([
      'district-committee',
      'street-working-committee',
      'community-committee',
      'grid-branch',
    ]);
    expect((await h.api(gridworker, 'GET', '/api/units/431103001006')).status).toBe(403);
    expect((await h.api(gridworker, 'GET', '/api/units/431103003004')).status).toBe(200); // its own community, for the breadcrumb
    const layer = await h.api<{ features: unknown[] }>(dispatcher, 'GET', '/api/geography/grids');
    expect(layer.body.features).toHaveLength(304);
    const mesh = await h.api<{ features: { properties: { level: string } }[] }>(dispatcher, 'GET', '/api/geography/boundaries');
    expect(new Set(mesh.body.features.map((f) => f.properties.level))).toEqual(new Set(['district', 'street', 'community', 'grid']));
    expect((await h.api(dispatcher, 'GET', '/api/geography/secrets')).status).toBe(404);
  });

  it("masks volunteers' names for the wall", async () => {
    type Org = { timeBank: { volunteers: { name: string }[] } };
    const wall = (await h.login('wall')).token;
    const plain = (await h.api<Org>(dispatcher, 'GET', '/api/organisation')).body.timeBank.volunteers[0]!.name;
    const masked = (await h.api<Org>(wall, 'GET', '/api/organisation')).body.timeBank.volunteers[0]!.name;
    expect(masked).toBe(`${plain[0]}**`);
  });

  it('serves /healthz and Prometheus /metrics', async () => {
    expect((await h.api<{ status: string }>(null, 'GET', '/healthz')).body.status).toBe('ok');
    const metrics = (await h.api<string>(null, 'GET', '/metrics')).body;
    for (const name of [
      'lst_socket_connections',
      'lst_incident_events_total',
      'lst_ingest_seconds_bucket',
      'lst_commit_batch_size_bucket',
      'lst_sla_breaches_total',
    ]) {
      expect(metrics).toContain(name);
    }
    expect(metrics).toMatch(/lst_sla_breaches_total [1-9]/);
    expect((await h.api(dispatcher, 'GET', '/api/nothing-here')).status).toBe(404);
  });

  it('sends security headers', async () => {
    const res = await fetch(`${h.base}/healthz`);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('login', () => {
  it('issues a token that expires, and limits failed attempts', async () => {
    const bad = await h.api(null, 'POST', '/api/auth/login', { username: 'leader', password: 'wrong' });
    expect(bad.status).toBe(401);
    const { token } = await h.login('leader');
    expect((await h.api(token, 'GET', '/api/me')).status).toBe(200);
    h.clock.advance(13 * 3_600_000); // TOKEN_TTL_HOURS defaults to 12
    expect((await h.api(token, 'GET', '/api/me')).status).toBe(401);
    for (let i = 0; i < 9; i++) await h.api(null, 'POST', '/api/auth/login', { username: 'wall', password: 'nope' });
    expect((await h.api(null, 'POST', '/api/auth/login', { username: 'wall', password: 'nope' })).status).toBe(401);
    expect((await h.api(null, 'POST', '/api/auth/login', { username: 'wall', password: PASSWORD })).status).toBe(429);
    expect((await h.api(null, 'POST', '/api/auth/login', { username: 'x' })).status).toBe(400);
  });
});

describe('configuration', () => {
  it('fails fast naming the bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ SIMULATOR_SPEED: '0' })).toThrow(/SIMULATOR_SPEED/);
    expect(() => loadConfig({ DEMO: 'maybe' })).toThrow(/DEMO/);
  });

  it('refuses to start outside demo mode without an admin password', () => {
    expect(() => loadConfig({ DEMO: '0' })).toThrow(/ADMIN_PASSWORD/);
    expect(() => loadConfig({ DEMO: '0', ADMIN_PASSWORD: 'short' })).toThrow(/ADMIN_PASSWORD/);
    const c = loadConfig({ DEMO: '0', ADMIN_PASSWORD: 'a-long-enough-secret' });
    expect(c.simulator.enabled).toBe(false);
    expect(c.slaTimeScale).toBe(1);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('takes an optional base map with its datum, and lets only its origin through the CSP', async () => {
    expect(loadConfig({}).basemap).toBeNull();
    expect(() => loadConfig({ BASEMAP_URL: 'ftp://tiles' })).toThrow(/BASEMAP_URL/);
    const withMap = await startHarness({
      BASEMAP_URL: 'https://tiles.example.test/{z}/{x}/{y}.png',
      BASEMAP_DATUM: 'gcj02',
      BASEMAP_ATTRIBUTION: '示例底图',
    });
    try {
      const { token } = await withMap.login('leader');
      const cfg = await withMap.api<{ basemap: { datum: string; type: string } }>(token, 'GET', '/api/client-config');
      expect(cfg.body.basemap).toMatchObject({ datum: 'gcj02', type: 'raster' });
      const csp = (await fetch(`${withMap.base}/healthz`)).headers.get('content-security-policy')!;
      expect(csp).toContain("img-src 'self' data: blob: https://tiles.example.test");
    } finally {
      await withMap.close();
    }
    const plain = (await fetch(`${h.base}/healthz`)).headers.get('content-security-policy')!;
    expect(plain).not.toContain('https://');
  });

  it('validates the SLA and calendar files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lst-config-'));
    cpSync(new URL('../../data/config', import.meta.url), dir, { recursive: true });
    writeFileSync(join(dir, 'sla.json'), JSON.stringify({ amberAt: 2 }));
    expect(() => loadConfig({ CONFIG_DIR: dir })).toThrow(/sla\.json/);
    writeFileSync(join(dir, 'calendar.json'), '{ not json');
    cpSync(new URL('../../data/config/sla.json', import.meta.url), join(dir, 'sla.json'));
    expect(() => loadConfig({ CONFIG_DIR: dir })).toThrow(/calendar\.json/);
  });
});

describe('simulator', () => {
  it('plans the same reports and case scripts for the same seed, and others for another seed', () => {
    const t = Date.parse('2026-11-30T02:00:00Z');
    const plan = (seed: number) => {
      const p = createReportPlanner(seed, h.app.geography, 360);
      return Array.from({ length: 200 }, () => p.next(t));
    };
    const a = plan(7);
    expect(plan(7)).toEqual(a);
    expect(plan(8)).not.toEqual(a);
    for (const r of a) expect(h.app.geography.gridAt(r.lng, r.lat)).not.toBeNull();
    expect(new Set(a.map((r) => r.class)).size).toBeGreaterThan(8);
    expect(caseScript(7, '2026113000001')).toEqual(caseScript(7, '2026113000001'));
    expect(caseScript(7, '2026113000001')).not.toEqual(caseScript(7, '2026113000002'));
  });

  it('drives cases through the public API only, taking up cases left open before it started', async () => {
    dispatcher = (await h.login('dispatcher')).token; // earlier tests moved the clock past its expiry
    const leftOver = await newCase({ class: '交通设施', description: '模拟器启动前的案件' });
    h.clock.advance(1000); // what happens from here on is the simulator's doing
    const sim = startSimulator({
      baseUrl: h.base,
      geography: h.app.geography,
      seed: 3,
      speed: 50,
      ratePerHour: 20_000,
      timeScale: 60,
      password: PASSWORD,
      logger: pino({ level: 'silent' }),
    });
    // Run until it has done enough of each (bounded), however busy the machine is.
    const adopted = async (): Promise<boolean> => (await get(leftOver.id)).stage !== 'reported';
    for (
      let waited = 0;
      waited < 40_000 && (sim.stats.reported < 10 || sim.stats.actions < 10 || sim.stats.tasks < 10 || !(await adopted()));
      waited += 250
    ) {
      await new Promise((r) => setTimeout(r, 250));
    }
    // Stopping aborts requests in flight; it settles even when an abort lands as an answer's body
    // completes (fetch-body.ts).
    await sim.stop();
    expect(sim.stats.reported).toBeGreaterThanOrEqual(10);
    expect(sim.stats.actions).toBeGreaterThanOrEqual(10);
    expect(sim.stats.tasks).toBeGreaterThanOrEqual(10);
    // Every event the simulator caused carries one of its own accounts as actor.
    const simUsers = new Set(
      h.app.users
        .all()
        .filter((u) => u.username.startsWith('sim-'))
        .map((u) => u.id),
    );
    const actors = h.app.db
      .prepare("SELECT DISTINCT actor_id FROM incident_events WHERE at >= ? AND actor_id != 'system'")
      .all(h.clock.now().toISOString()) as { actor_id: string }[];
    expect(actors.length).toBeGreaterThan(0);
    expect(actors.every((a) => simUsers.has(a.actor_id))).toBe(true);
    expect((await get(leftOver.id)).timeline.some((e) => simUsers.has(e.actorId))).toBe(true);
  });
});
