/**
 * The authorization matrix: every REST route and socket command × every role × in and out of
 * scope, with the expected answer; the wall never receives a reporter's name or phone on the wire;
 * nothing secret is ever logged.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../server/src/contract/auth.ts';
import type { Ack } from '../../server/src/contract/errors.ts';
import type { Incident } from '../../server/src/contract/incidents.ts';
import { buildRequest } from '../../server/src/domain/notifications.ts';
import { freshPointIn, idemKey, PASSWORD, startHarness, TONGHUA_GRID, type Harness } from '../helpers/server.ts';

const OTHER_GRID = '431103009008001'; // 楚江圩: outside the demo grid worker's grid
const ROLES: (Role | 'anonymous')[] = ['anonymous', 'wall', 'leader', 'dispatcher', 'gridworker', 'admin'];
const REPORTER = { reporterName: '司马相如', reporterPhone: '13912340000' };

const logLines: string[] = [];
let h: Harness;
const tokens = new Map<string, string | null>();
let dispatcher: string;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  h = await startHarness({ DUPLICATE_RADIUS_M: '5' }, { logger: pino({ level: 'trace' }, sink) });
  tokens.set('anonymous', null);
  for (const role of ROLES.slice(1)) tokens.set(role, (await h.login(role)).token);
  dispatcher = tokens.get('dispatcher')!;
});
afterAll(() => h.close());

async function caseIn(grid: string): Promise<Incident> {
  const res = await h.api<{ incident: Incident }>(
    dispatcher,
    'POST',
    '/api/incidents',
    {
      class: '市容环境',
      source: '12345热线',
      ...freshPointIn(h.app, grid),
      description: '矩阵测试',
      ...REPORTER,
    },
    { 'idempotency-key': idemKey() },
  );
  return res.body.incident;
}
const window = () => ({ startsAt: h.clock.now().toISOString(), endsAt: new Date(h.clock.now().getTime() + 3_600_000).toISOString() });

type Probe = (token: string | null) => Promise<number>;
interface Row {
  route: string;
  probe: Probe;
  expect: Record<Role | 'anonymous', number>;
}

const call =
  (method: string, path: string | (() => Promise<string>), body?: () => unknown | Promise<unknown>): Probe =>
  async (token) => {
    const p = typeof path === 'string' ? path : await path();
    const b = body ? await body() : undefined;
    return (await h.api(token, method, p, b, method === 'POST' && p === '/api/incidents' ? { 'idempotency-key': idemKey() } : {})).status;
  };
const fresh = (grid: string) => async (): Promise<string> => `/api/incidents/${(await caseIn(grid)).id}`;
const actOn =
  (grid: string, action: Record<string, unknown>): Probe =>
  async (token) => {
    const c = await caseIn(grid);
    return (await h.api(token, 'POST', `/api/incidents/${c.id}/actions`, { ...action, version: c.version })).status;
  };
const all = (status: number, anonymous = 401): Row['expect'] => ({
  anonymous,
  wall: status,
  leader: status,
  dispatcher: status,
  gridworker: status,
  admin: status,
});

const MATRIX: Row[] = [
  { route: 'GET /api/me', probe: call('GET', '/api/me'), expect: all(200) },
  {
    route: 'POST /api/incidents (in scope)',
    probe: call('POST', '/api/incidents', () => ({
      class: '市容环境',
      source: '网格员巡查',
      ...freshPointIn(h.app, TONGHUA_GRID),
      description: 'm',
    })),
    expect: { anonymous: 401, wall: 403, leader: 403, dispatcher: 201, gridworker: 201, admin: 403 },
  },
  {
    route: 'POST /api/incidents (out of scope)',
    probe: call('POST', '/api/incidents', () => ({
      class: '市容环境',
      source: '网格员巡查',
      ...freshPointIn(h.app, OTHER_GRID),
      description: 'm',
    })),
    expect: { anonymous: 401, wall: 403, leader: 403, dispatcher: 201, gridworker: 403, admin: 403 },
  },
  {
    route: 'POST /api/incidents/preview (out of scope)',
    probe: call('POST', '/api/incidents/preview', () => ({
      class: '市容环境',
      source: '网格员巡查',
      ...freshPointIn(h.app, OTHER_GRID),
      description: 'm',
    })),
    expect: { anonymous: 401, wall: 403, leader: 403, dispatcher: 200, gridworker: 403, admin: 403 },
  },
  { route: 'GET /api/incidents', probe: call('GET', '/api/incidents'), expect: all(200) },
  {
    route: 'GET /api/incidents?scope=other community',
    probe: call('GET', '/api/incidents?scope=431103009008'),
    expect: { ...all(200), gridworker: 403 },
  },
  { route: 'GET /api/incidents/:id (in scope)', probe: call('GET', fresh(TONGHUA_GRID)), expect: all(200) },
  { route: 'GET /api/incidents/:id (out of scope)', probe: call('GET', fresh(OTHER_GRID)), expect: { ...all(200), gridworker: 404 } },
  {
    route: 'POST actions accept (in scope)',
    probe: actOn(TONGHUA_GRID, { action: 'accept' }),
    expect: { anonymous: 401, wall: 403, leader: 403, dispatcher: 200, gridworker: 403, admin: 403 },
  },
  {
    route: 'POST actions accept (out of scope)',
    probe: actOn(OTHER_GRID, { action: 'accept' }),
    expect: { anonymous: 401, wall: 403, leader: 403, dispatcher: 200, gridworker: 404, admin: 403 },
  },
  {
    route: 'POST actions supervise',
    probe: actOn(TONGHUA_GRID, { action: 'supervise' }),
    expect: { anonymous: 401, wall: 403, leader: 200, dispatcher: 200, gridworker: 403, admin: 403 },
  },
  { route: 'GET /api/tasks', probe: call('GET', '/api/tasks'), expect: all(200) },
  { route: 'GET /api/tasks?scope=other', probe: call('GET', '/api/tasks?scope=431103009008'), expect: { ...all(200), gridworker: 403 } },
  {
    route: 'POST /api/tasks (in scope)',
    probe: call('POST', '/api/tasks', () => ({ type: '卫生清扫', title: 't', gridCode: TONGHUA_GRID, ...window() })),
    expect: { anonymous: 401, wall: 403, leader: 201, dispatcher: 201, gridworker: 201, admin: 403 },
  },
  {
    route: 'POST /api/tasks (out of scope)',
    probe: call('POST', '/api/tasks', () => ({ type: '卫生清扫', title: 't', gridCode: OTHER_GRID, ...window() })),
    expect: { anonymous: 401, wall: 403, leader: 201, dispatcher: 201, gridworker: 403, admin: 403 },
  },
  { route: 'GET /api/indicators (district)', probe: call('GET', '/api/indicators?scope=431103'), expect: { ...all(200), gridworker: 403 } },
  { route: 'GET /api/indicators (own grid)', probe: call('GET', `/api/indicators?scope=${TONGHUA_GRID}`), expect: all(200) },
  { route: 'GET /api/geography/grids', probe: call('GET', '/api/geography/grids'), expect: all(200) },
  { route: 'GET /api/units/:code (in scope)', probe: call('GET', `/api/units/${TONGHUA_GRID}`), expect: all(200) },
  {
    route: 'GET /api/units/:code (out of scope)',
    probe: call('GET', `/api/units/${OTHER_GRID}`),
    expect: { ...all(200), gridworker: 403 },
  },
  { route: 'GET /api/organisation', probe: call('GET', '/api/organisation'), expect: all(200) },
  { route: 'GET /api/client-config', probe: call('GET', '/api/client-config'), expect: all(200) },
];

describe('authorization matrix (REST)', () => {
  for (const row of MATRIX) {
    it(row.route, async () => {
      const got: Record<string, number> = {};
      for (const role of ROLES) got[role] = await row.probe(tokens.get(role) ?? null);
      expect(got).toEqual(row.expect);
    });
  }
});

describe('authorization matrix (socket)', () => {
  const emit = <T>(s: Awaited<ReturnType<Harness['socket']>>['socket'], event: string, payload: unknown): Promise<Ack<T>> =>
    new Promise((resolve) => (s.emit as (e: string, p: unknown, a: (r: Ack<T>) => void) => void)(event, payload, resolve));

  it('refuses an anonymous or forged handshake', async () => {
    await expect(h.socket('')).rejects.toThrow(/unauthenticated/);
    const forged = `${Buffer.from(JSON.stringify({ sub: 'x', role: 'admin', scope: '431103', exp: 9e9 })).toString('base64url')}.AAAA`;
    await expect(h.socket(forged)).rejects.toThrow(/unauthenticated/);
  });

  for (const role of ROLES.slice(1) as Role[]) {
    it(`${role}: subscribe, report and act as the role allows`, async () => {
      const { socket } = await h.socket(tokens.get(role)!);
      const district = await emit(socket, 'feed:subscribe', { scope: '431103' });
      expect(district.ok).toBe(role !== 'gridworker');
      const own = await emit(socket, 'feed:subscribe', { scope: TONGHUA_GRID });
      expect(own.ok).toBe(true);
      const reported = await emit(socket, 'incident:report', {
        idempotencyKey: idemKey(),
        report: { class: '市容环境', source: '网格员巡查', ...freshPointIn(h.app, TONGHUA_GRID), description: 's' },
      });
      expect(reported.ok).toBe(role === 'dispatcher' || role === 'gridworker');
      const c = await caseIn(TONGHUA_GRID);
      const accepted = await emit<Incident>(socket, 'incident:act', { id: c.id, action: { action: 'accept', version: c.version } });
      expect(accepted.ok).toBe(role === 'dispatcher');
      if (!accepted.ok) expect(accepted.error.code).toBe('forbidden');
      socket.disconnect();
    });
  }
});

describe('personal data and secrets', () => {
  it('never sends the wall a reporter name or phone, over REST or the socket', async () => {
    const wall = tokens.get('wall')!;
    const { socket, snapshot, deltas } = await h.socket(wall);
    const c = await caseIn(TONGHUA_GRID);
    await expect.poll(() => deltas.some((d) => d.incidents.some((i) => i.id === c.id))).toBe(true);
    const wire = [JSON.stringify(snapshot), JSON.stringify(deltas)];
    for (const path of [
      '/api/incidents?limit=500',
      `/api/incidents/${c.id}`,
      '/api/tasks',
      '/api/indicators',
      '/api/organisation',
      `/api/units/${TONGHUA_GRID}`,
    ]) {
      wire.push(JSON.stringify((await h.api(wall, 'GET', path)).body));
    }
    const all = wire.join('\n');
    expect(all).toContain(c.id);
    expect(all).not.toContain(REPORTER.reporterName);
    expect(all).not.toContain(REPORTER.reporterPhone);
    expect(all).toContain('139****0000');
    socket.disconnect();
  });

  it('masks personal data in every text field, on every path a masked reader takes', async () => {
    // Written as people write them: a mobile with +86 and dashes, full-width digits, a landline with
    // brackets, an ID number with X, a bank card, an e-mail, a flat below its building.
    const secrets = [
      '139-1234-0000',
      '１３９１２３４００００',
      '8881234',
      '19900101123',
      '6222020200001234562',
      'zhang.san@qq.com',
      '2单元501室',
    ];
    const description =
      '居民反映 +86 139-1234-0000 或 １３９１２３４００００，座机（0746）8881234，身份证43110319900101123X，卡号6222020200001234562，邮箱zhang.san@qq.com';
    const dispatcher = tokens.get('dispatcher')!;
    const wall = tokens.get('wall')!;
    const { socket, snapshot, deltas } = await h.socket(wall);
    const filed = await h.api<{ incident: Incident }>(
      dispatcher,
      'POST',
      '/api/incidents',
      {
        class: '民生服务',
        priority: '一般',
        source: '12345热线',
        ...freshPointIn(h.app, TONGHUA_GRID),
        address: '华源府第3栋2单元501室',
        description,
        ...REPORTER,
      },
      { 'idempotency-key': idemKey() },
    );
    const c = filed.body.incident;
    await h.api(dispatcher, 'POST', `/api/incidents/${c.id}/actions`, {
      action: 'accept',
      version: c.version,
      note: '已回电 139 1234 0000，住3栋2单元501室',
    });
    await expect.poll(() => deltas.some((d) => d.incidents.some((i) => i.id === c.id && i.stage === 'accepted'))).toBe(true);
    const resync = await new Promise<unknown>((resolve) => socket.emit('feed:resync', { scope: '431103', fromSeq: 0 }, resolve));
    const subscribed = await new Promise<unknown>((resolve) => socket.emit('feed:subscribe', { scope: TONGHUA_GRID }, resolve));
    const wire = [JSON.stringify(snapshot), JSON.stringify(deltas), JSON.stringify(resync), JSON.stringify(subscribed)];
    for (const path of [`/api/incidents/${c.id}`, '/api/incidents?limit=500'])
      wire.push(JSON.stringify((await h.api(wall, 'GET', path)).body));
    for (const path of [
      `/open311/v2/requests/${c.id}.json?extensions=true`,
      `/open311/v2/requests/${c.id}.xml?extensions=true`,
      '/open311/v2/requests.json?extensions=true',
    ]) {
      wire.push(await (await fetch(`${h.base}${path}`)).text());
    }
    const stored = h.app.incidents.get(c.id, { id: 'x', username: 'x', name: 'x', role: 'admin', scope: '431103' });
    for (const channel of ['webhook', 'dingtalk', 'wecom'] as const)
      wire.push(buildRequest(channel, 'https://example.com/hook?key=k', 'secret', 'urgent', stored, h.clock.now()).body);
    const all = wire.join('\n');
    expect(all).toContain(c.id);
    for (const secret of secrets) expect(all, secret).not.toContain(secret);
    expect(all).toContain('139-****-0000');
    expect(all).toContain('华源府第3栋*单元***室');
    socket.disconnect();
  });

  it('logs no password and no token', async () => {
    await h.api(null, 'POST', '/api/auth/login', { username: 'leader', password: 'wrong-password-xyz' });
    await h.api('not.a.valid.token', 'GET', '/api/me');
    const text = logLines.join('');
    expect(logLines.length).toBeGreaterThan(10);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('wrong-password-xyz');
    for (const token of tokens.values()) if (token) expect(text).not.toContain(token.split('.')[1]);
    expect(text).not.toContain('not.a.valid.token');
  });
});
