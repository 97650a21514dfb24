import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bbox } from '@turf/turf';
import type { GeoJSONSource, Map as MaplibreMap } from 'maplibre-gl';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../server/src/contract/incidents.ts';
import { dateText, remaining } from '../../client/src/format.ts';
import { SCENES } from '../../client/src/wall/scenes.ts';
import { launchBrowser, mapIdle, openPage, SCREENS_DIR, signIn } from '../helpers/browser.ts';
import { freshPointIn, idemKey, PASSWORD, startHarness, TONGHUA_GRID, type Harness } from '../helpers/server.ts';

const KIOSK = 'e2e-kiosk-key-0123';
let h: Harness;
let browser: Browser;
let dispatcher: string;
let gridworker: string;

beforeAll(async () => {
  // Notifications go to a loopback port that nothing listens on (NOTIFY_ALLOW_PRIVATE): the delivery log shows the failure.
  h = await startHarness({ KIOSK_KEY: KIOSK, DUPLICATE_RADIUS_M: '5', NOTIFY_ALLOW_PRIVATE: '1' });
  dispatcher = (await h.login('dispatcher')).token;
  gridworker = (await h.login('gridworker')).token;
  // Some open cases so that every panel has something to show.
  for (const cls of ['市容环境', '街面秩序', '公用设施', '民生服务']) await report({ class: cls });
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** A page whose browser clock starts at the test server's time. */
const openAt = (viewport?: { width: number; height: number }): ReturnType<typeof openPage> =>
  openPage(browser, h.base, viewport, h.clock.now());

async function report(extra: Record<string, unknown> = {}): Promise<Incident> {
  const res = await h.api<{ incident: Incident }>(
    dispatcher,
    'POST',
    '/api/incidents',
    {
      class: '市容环境',
      priority: '一般',
      source: '12345热线',
      ...('lng' in extra ? {} : freshPointIn(h.app, TONGHUA_GRID)),
      description: '端到端测试案件',
      reporterName: '测试',
      reporterPhone: '13800009999',
      ...extra,
    },
    { 'idempotency-key': idemKey() },
  );
  expect(res.status).toBe(201);
  return res.body.incident;
}

/** Unique codes of a map source's features (tiles repeat features). Functions, not strings: the CSP forbids eval. */
const sourceCodes = (source: string): number => new Set(window.__lstMap.querySourceFeatures(source).map((f) => f.properties.code)).size;
/** How many features a GeoJSON source holds (drawn or not at this zoom). */
const sourceSize = async (source: string): Promise<number> =>
  ((await (window.__lstMap.getSource(source) as GeoJSONSource).getData()) as GeoJSON.FeatureCollection).features.length;
/** The levels among a source's features drawn on screen now. */
const renderedLevels = (source: string): string[] =>
  [
    ...new Set(
      window.__lstMap
        .queryRenderedFeatures()
        .filter((f) => f.source === source)
        .map((f) => String(f.properties.level)),
    ),
  ].sort();
/** The codes of the units the map outlines (its selection). */
const outlined = async (): Promise<string[]> => {
  const data = (await (window.__lstMap.getSource('selection') as GeoJSONSource).getData()) as GeoJSON.Feature | GeoJSON.FeatureCollection;
  return (data.type === 'FeatureCollection' ? data.features : [data]).map((f) => String(f.properties?.code));
};
/** Whether the map's incident data holds the case at that stage (clusters hide single points, so ask the source). */
const hasStage = async ([id, stage]: [string, string]): Promise<boolean> => {
  const data = (await (window.__lstMap.getSource('incidents') as GeoJSONSource).getData()) as GeoJSON.FeatureCollection;
  return data.features.some((x) => x.properties?.id === id && x.properties?.stage === stage);
};

/**
 * Init script: records when the map loaded, each camera move after that, and what was sent to its
 * overlay sources or layer layout after that (the opening state belongs in the first frames).
 */
function watchCameraAfterLoad(): void {
  let map: Window['__lstMap'] | undefined;
  window.__cameraMoves = [];
  window.__changedAfterLoad = [];
  Object.defineProperty(window, '__lstMap', {
    configurable: true,
    get: () => map,
    set: (m: Window['__lstMap']) => {
      map = m;
      const setLayout = m.setLayoutProperty.bind(m);
      m.setLayoutProperty = (layer, ...rest) => {
        if (window.__mapLoadedAt !== undefined) window.__changedAfterLoad!.push(`${layer} layout`);
        return setLayout(layer, ...rest);
      };
      m.once('load', () => {
        window.__mapLoadedAt = performance.now();
        m.on('move', () => window.__cameraMoves!.push(performance.now()));
        for (const id of ['party', 'tasks', 'selection']) {
          const source = m.getSource(id) as GeoJSONSource;
          const setData = source.setData.bind(source);
          source.setData = (data, ...rest) => (window.__changedAfterLoad!.push(`${id} data`), setData(data, ...rest));
        }
      });
    },
  });
}

/** Whether the map's incident data holds the case (in any stage) as `shown` says. */
const caseShown = async ([id, shown]: [string, boolean]): Promise<boolean> => {
  const data = (await (window.__lstMap.getSource('incidents') as GeoJSONSource).getData()) as GeoJSON.FeatureCollection;
  return data.features.some((x) => x.properties?.id === id) === shown;
};

/** Init script: counts the steps of the alert pulse (each restyles the ring layer and repaints the map). */
function countPulseSteps(): void {
  let map: Window['__lstMap'] | undefined;
  window.__pulseSteps = 0;
  Object.defineProperty(window, '__lstMap', {
    configurable: true,
    get: () => map,
    set: (m: Window['__lstMap']) => {
      map = m;
      const setPaint = m.setPaintProperty.bind(m);
      m.setPaintProperty = (layer, property, ...rest) => {
        if (layer === 'incident-pulse' && property === 'circle-radius') window.__pulseSteps!++;
        return setPaint(layer, property, ...rest);
      };
    },
  });
}

/** Init script: counts clears of the panels' 2D canvases (ECharts clears a layer to redraw it). */
function countChartDraws(): void {
  window.__chartDraws = 0;
  const clear = CanvasRenderingContext2D.prototype.clearRect;
  CanvasRenderingContext2D.prototype.clearRect = function (this: CanvasRenderingContext2D, ...args: Parameters<typeof clear>) {
    if (this.canvas instanceof HTMLCanvasElement && this.canvas.closest('[data-panel]')) window.__chartDraws!++;
    clear.apply(this, args);
  };
}

describe('wall display', () => {
  it('renders the map with 20 communities and 304 grids and every panel with data, touching nothing off-origin', async () => {
    const { page, problems } = await openAt();
    await page.addInitScript(watchCameraAfterLoad);
    await page.addInitScript(countChartDraws);
    await page.goto(`${h.base}/wall?kiosk=${KIOSK}`);
    await mapIdle(page);
    await page.waitForFunction(() => document.querySelectorAll('[data-panel] canvas').length >= 5);
    // The first scene is where the map opens: a jump (one move), not a 1.2 s flight that kept the
    // map from its first idle (a move per frame).
    await page.waitForFunction(() => window.__mapLoadedAt !== undefined && performance.now() > window.__mapLoadedAt + 2000);
    expect(await page.evaluate(() => window.__cameraMoves!.filter((t) => t < window.__mapLoadedAt! + 2000).length)).toBe(0);
    // The scene's mode, layers and the service centres were in the map's first frames: nothing was
    // sent again once it had loaded (each re-tiled a source and drew more frames before its idle).
    expect(await page.evaluate(() => window.__changedAfterLoad)).toEqual([]);
    expect(await page.evaluate(sourceSize, 'party')).toBeGreaterThan(0);
    expect(await page.evaluate(() => window.__lstMap.getLayoutProperty('party-points', 'visibility'))).toBe('none');
    expect(await page.evaluate(sourceCodes, 'communities')).toBe(20);
    // Every colour on the map is explained beside it: the areas' ramp and the dots.
    expect(await page.locator('[data-testid=map-legend]').innerText()).toMatch(/在办 少→多[\s\S]*超时[\s\S]*临期[\s\S]*正常/);
    // The grids' polygons are drawn from zoom 14; here their outlines come from the boundary mesh.
    expect(await page.evaluate(sourceSize, 'grids')).toBe(304);
    expect(await page.evaluate(renderedLevels, 'boundaries')).toEqual(['community', 'district', 'grid', 'street']);
    expect(new URL(page.url()).search).toBe(''); // the kiosk key left the address bar
    for (const title of ['事件类别', '24小时趋势', '今日闭环流程', '社区排名', '时限督办', '党建引领']) {
      const panel = page.locator(`[data-panel="${title}"]`);
      await expect.poll(async () => (await panel.locator('canvas').count()) + (await panel.locator('li, b').count())).toBeGreaterThan(0);
    }
    await expect.poll(() => page.locator('[data-testid=kpis] .kpi-value').first().innerText()).toMatch(/\d/);
    await expect.poll(() => page.locator('[data-testid=connection]').innerText()).toContain('实时');
    await page.screenshot({ path: join(SCREENS_DIR, 'wall-1920x1080.png') });
    // Nothing changes now (the harness's clock stands still; heartbeats bring the same figures): the
    // charts must not redraw at each tick of the wall's clock or each heartbeat.
    await page.waitForTimeout(1000); // the charts' opening animations end
    const drawsBefore = await page.evaluate(() => window.__chartDraws!);
    expect(drawsBefore).toBeGreaterThan(0); // the counter sees the charts' canvases
    await page.waitForTimeout(3500);
    expect(await page.evaluate(() => window.__chartDraws!)).toBe(drawsBefore);
    expect(problems).toEqual([]);
    await page.close();
  });

  for (const [width, height] of [
    [1366, 768],
    [1920, 1080],
    [3840, 2160],
  ] as const) {
    it(`keeps its layout legible without overflow at ${width}×${height}`, async () => {
      const { page, problems } = await openAt({ width, height });
      await page.goto(`${h.base}/wall?kiosk=${KIOSK}`);
      await mapIdle(page);
      await page.waitForFunction(() => document.querySelectorAll('[data-panel] canvas').length >= 5);
      const layout = await page.evaluate(() => {
        const px = (sel: string) => parseFloat(getComputedStyle(document.querySelector(sel)!).fontSize);
        const clipped = [...document.querySelectorAll('.wall h1, .wall h2, .kpi-label, .kpi-value, .scene, .party-figures div')]
          .filter((el) => el.scrollWidth > el.clientWidth + 1)
          .map((el) => el.textContent);
        return {
          pageOverflow: document.documentElement.scrollWidth > innerWidth || document.documentElement.scrollHeight > innerHeight,
          body: px('.wall'),
          heading: px('.wall h2'),
          kpi: px('.kpi-value'),
          clipped,
        };
      });
      expect(layout.pageOverflow).toBe(false);
      expect(layout.clipped).toEqual([]);
      const scale = width / 1920; // sizes follow the screen width
      expect(layout.body).toBeGreaterThanOrEqual(16 * scale - 0.5);
      expect(layout.heading).toBeGreaterThanOrEqual(20 * scale - 0.5);
      expect(layout.kpi).toBeGreaterThanOrEqual(40 * scale - 0.5);
      await page.screenshot({ path: join(SCREENS_DIR, `wall-${width}x${height}.png`) });
      expect(problems).toEqual([]);
      await page.close();
    });
  }
});

describe('wall scenes', () => {
  it('names the hot-spot community and why it is hot when that scene comes round', async () => {
    const { page, problems } = await openAt();
    await page.goto(`${h.base}/wall?kiosk=${KIOSK}`);
    await mapIdle(page);
    await page.waitForSelector('[data-testid=connection] >> text=实时');
    // The overview's time passes on the screen's clock; then the rotation shows the hot spot.
    await page.clock.fastForward(SCENES[0]!.durationMs + 1500);
    await expect.poll(() => page.locator('[data-testid=hotspot-note]').innerText()).toMatch(/^\S+社区：在办 \d+ 件.*，全区最多$/);
    await page.screenshot({ path: join(SCREENS_DIR, 'wall-hotspot.png') });
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('wall display at rest', () => {
  it('pulses its alert rings only while an urgent or overdue case is on the map', async () => {
    const { page, problems } = await openAt();
    await page.addInitScript(countPulseSteps);
    await page.goto(`${h.base}/wall?kiosk=${KIOSK}`);
    await mapIdle(page);
    // Every open case is routine and on time (the harness's clock stands still): the map rests. The
    // pulse used to repaint it 12 times a second regardless.
    await page.waitForTimeout(1500);
    expect(await page.evaluate(() => window.__pulseSteps)).toBe(0);
    const c = await report({ class: '安全隐患', priority: '紧急', description: '紧急案件（端到端）' });
    await page.waitForFunction(hasStage, [c.id, 'reported'] as [string, string], { timeout: 15_000 });
    // Software GL draws 4–5 frames a second, so the pulse paces itself to a step every ≈ 0.7 s here.
    await expect.poll(() => page.evaluate(() => window.__pulseSteps!), { timeout: 10_000 }).toBeGreaterThan(2);
    // Not taken on, the case leaves the open cases and the map: the pulse stops with it.
    const res = await h.api(dispatcher, 'POST', `/api/incidents/${c.id}/actions`, {
      action: 'reject',
      version: c.version,
      note: '重复上报',
    });
    expect(res.status).toBe(200);
    await page.waitForFunction(caseShown, [c.id, false] as [string, boolean], { timeout: 15_000 });
    // Then it rests: no step for a second (a step already under way on a loaded machine may land).
    await expect
      .poll(
        async () => {
          const steps = await page.evaluate(() => window.__pulseSteps!);
          await page.waitForTimeout(1000);
          return (await page.evaluate(() => window.__pulseSteps!)) - steps;
        },
        { timeout: 10_000 },
      )
      .toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('live updates across views', () => {
  it('shows a case POSTed through the API on the wall and in the dispatch queue, and a dispatcher action changes the wall', async () => {
    const wall = await openAt();
    await wall.page.goto(`${h.base}/wall?kiosk=${KIOSK}`);
    await mapIdle(wall.page);
    const console = await openAt();
    await signIn(console.page, h.base, 'dispatcher', PASSWORD);
    await console.page.waitForSelector('[data-testid=queue]');

    const c = await report({ class: '交通设施', description: '信号灯故障（端到端）' });
    await wall.page.waitForFunction(hasStage, [c.id, 'reported'] as [string, string], { timeout: 15_000 });
    await console.page.waitForSelector(`[data-testid=queue] li[data-id="${c.id}"]`, { timeout: 15_000 });

    await console.page.click(`[data-testid=queue] li[data-id="${c.id}"]`);
    await console.page.waitForSelector('[data-testid=incident-detail] [data-action=accept]');
    await console.page.click('[data-action=accept]');
    await wall.page.waitForFunction(hasStage, [c.id, 'accepted'] as [string, string], { timeout: 15_000 });
    expect(wall.problems).toEqual([]);
    expect(console.problems).toEqual([]);
    await wall.page.close();
    await console.page.close();
  });
});

describe('network blips', () => {
  it('reconnects by itself when the server drops it, and shows what happened meanwhile', async () => {
    const wall = await openAt();
    await wall.page.goto(`${h.base}/wall?kiosk=${KIOSK}`);
    await mapIdle(wall.page);
    await expect.poll(() => wall.page.locator('[data-testid=connection]').innerText()).toContain('实时');
    h.app.io.disconnectSockets(true);
    await expect.poll(() => wall.page.locator('[data-testid=connection]').innerText()).toContain('重连');
    const c = await report({ class: '安全隐患', description: '断线期间上报' });
    await expect.poll(() => wall.page.locator('[data-testid=connection]').innerText(), { timeout: 15_000 }).toContain('实时');
    await wall.page.waitForFunction(hasStage, [c.id, 'reported'] as [string, string], { timeout: 15_000 });
    expect(wall.problems).toEqual([]);
    await wall.page.close();
  });
});

describe('leader drill-down', () => {
  it('opens a grid by URL and shows its party branch, secretary and grid worker', async () => {
    const { page, problems } = await openAt();
    await signIn(page, h.base, 'leader', PASSWORD);
    await page.addInitScript(watchCameraAfterLoad);
    await page.goto(`${h.base}/?unit=${TONGHUA_GRID}`);
    await mapIdle(page);
    // The map opens framed on the grid and outlines it: no flight to it, nothing sent after its load.
    expect(await page.evaluate(outlined)).toEqual([TONGHUA_GRID]);
    const [minX, minY, maxX, maxY] = bbox(h.app.geography.unit(TONGHUA_GRID)!);
    const view = await page.evaluate(() => ({ zoom: window.__lstMap.getZoom(), bounds: window.__lstMap.getBounds().toArray().flat() }));
    expect(view.zoom).toBeGreaterThan(14);
    expect(view.bounds[0]! <= minX && view.bounds[1]! <= minY && view.bounds[2]! >= maxX && view.bounds[3]! >= maxY).toBe(true);
    expect(await page.evaluate(() => window.__cameraMoves!.length)).toBe(0);
    expect(await page.evaluate(() => window.__changedAfterLoad)).toEqual([]);
    const org = h.app.geography.partyOrgOf(TONGHUA_GRID)!;
    await expect.poll(() => page.locator('[data-testid=party-org]').innerText()).toBe('通化街社区第一网格党支部');
    const people = await page.locator('[data-testid=responsible]').innerText();
    expect(people).toContain(org.secretary.name);
    expect(people).toContain(org.members.find((m) => m.post === '网格员')!.name);
    await page.screenshot({ path: join(SCREENS_DIR, 'leader-grid.png') });
    // Drill up through the breadcrumb, and the back button returns.
    await page.click('nav.crumbs >> text=通化街社区');
    await expect.poll(() => new URL(page.url()).searchParams.get('unit')).toBe('431103003004');
    await expect.poll(() => page.locator('[data-testid=unit-detail] h2').innerText()).toContain('通化街社区');
    await page.goBack();
    await expect.poll(() => page.locator('[data-testid=party-org]').innerText()).toBe('通化街社区第一网格党支部');
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('lists that are cut', () => {
  it("say how many there are in all: the leader's open cases of a grid", async () => {
    for (let i = 0; i < 14; i++) await report({ class: '市容环境', description: `列表合计测试 ${i}` });
    const { page, problems } = await openAt();
    await signIn(page, h.base, 'leader', PASSWORD);
    await page.goto(`${h.base}/?unit=${TONGHUA_GRID}`);
    await expect.poll(() => page.locator('[data-testid=open-cases] li').count()).toBe(13);
    expect(await page.locator('[data-testid=open-cases-total]').innerText()).toMatch(/^共 \d+ 件，显示最紧急的 12 件$/);
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('dispatch console', () => {
  it("keeps the server's time, sessions and countdowns on a screen whose own clock is years off", async () => {
    const { page, problems } = await openPage(browser, h.base);
    // The screen PC believes it is 2031: its clock runs, but from the wrong day.
    await page.clock.install({ time: Date.parse('2031-07-15T03:00:00Z') });
    await signIn(page, h.base, 'dispatcher', PASSWORD);
    const c = await report({ class: '街面秩序' });
    const row = page.locator(`[data-testid=queue] li[data-id="${c.id}"] .left`);
    await expect.poll(() => row.count()).toBe(1);
    // The countdown is the deadline less the server's time, not the screen's (the harness's clock
    // stands still while the screen's runs on, so the minute may have turned).
    const server = h.clock.now().getTime();
    const expected = [remaining(c.deadline, server), remaining(c.deadline, server + 60_000)];
    await expect.poll(() => row.innerText()).toSatisfy((text: string) => expected.includes(text));
    // A reload keeps the session the server issued a moment ago (the screen's clock would call it expired).
    await page.reload();
    await page.waitForSelector('[data-testid=queue]');
    expect(new URL(page.url()).pathname).toBe('/dispatch');
    // The wall's clock and date are the server's.
    await page.goto(`${h.base}/wall?kiosk=${KIOSK}`);
    await expect.poll(() => page.locator('.date').innerText(), { timeout: 10_000 }).toBe(dateText(h.clock.now()));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('takes a case from a report with a map pick to closed', async () => {
    const { page, problems } = await openAt();
    await signIn(page, h.base, 'dispatcher', PASSWORD);
    await page.waitForSelector('[data-testid=queue]');
    await mapIdle(page);
    await page.click('[data-testid=new-report]');
    await page.selectOption('[data-testid=report-form] select[name=class]', '园林绿化设施');
    await page.fill('[data-testid=report-form] textarea[name=description]', '行道树倒伏（端到端）');
    // Pick the place on the map: the projected label point of the demo grid.
    const p = freshPointIn(h.app, TONGHUA_GRID);
    await page.evaluate((at) => window.__lstMap.jumpTo({ center: [at.lng, at.lat], zoom: 16 }), p);
    const box = (await page.locator('[data-testid=map]').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.click('[data-testid=report-form] button[type=submit]');
    await expect.poll(() => page.locator('[data-testid=message]').innerText()).toMatch(/已上报，案件编号 \d{13}/);
    // The feed then brings the same case, and its SLA clock runs out: nobody else acted, and the
    // console must not say so (it shows the new state all the same).
    await page.waitForTimeout(1000);
    h.clock.advance(3_600_000); // past its 30 minutes at 上报
    await h.app.sweep();
    await expect.poll(() => page.locator('[data-testid=timeline]').innerText()).toContain('超时');
    expect(await page.locator('[data-testid=message]').innerText()).toMatch(/^已上报/);
    await expect.poll(() => page.locator('[data-testid=suggested]').innerText()).toBe('通化街社区第一网格党支部');
    const id = (await page.locator('[data-testid=message]').innerText()).match(/\d{13}/)![0];

    const step = async (action: string): Promise<void> => {
      await page.click(`[data-action=${action}]`);
      await expect.poll(() => page.locator('[data-testid=message]').innerText()).toMatch(/^已/);
    };
    await step('accept');
    await step('register');
    await step('dispatch');
    // The grid worker handles it (through the API, as their own app would).
    let c = (await h.api<{ incident: Incident }>(gridworker, 'GET', `/api/incidents/${id}`)).body.incident;
    c = (await h.api<{ incident: Incident }>(gridworker, 'POST', `/api/incidents/${id}/actions`, { action: 'start', version: c.version }))
      .body.incident;
    await h.api(gridworker, 'POST', `/api/incidents/${id}/actions`, { action: 'feedback', note: '已扶正并加固', version: c.version });
    await page.waitForSelector('[data-action=verify-pass]', { timeout: 15_000 });
    await expect.poll(() => page.locator('[data-testid=message]').innerText()).toContain('他人更新');
    await page.keyboard.press('v'); // shortcut: 核查通过
    await expect.poll(() => page.locator('[data-testid=message]').innerText()).toBe('已核查');
    await step('close');
    await expect.poll(() => page.locator('[data-testid=incident-detail] .meta b').innerText()).toBe('结案');
    // Eight steps by people, and the system's SLA entries (超时督办, 升级) between them.
    await expect
      .poll(async () => (await page.locator('[data-testid=timeline] li').allInnerTexts()).filter((t) => /派遣员|网格员/.test(t)).length)
      .toBe(8);
    await page.screenshot({ path: join(SCREENS_DIR, 'dispatch-closed.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  /** A new case open in a dispatcher's console, ready to accept, and another dispatcher's token. */
  async function caseOnConsole(cls: string) {
    const c = await report({ class: cls });
    const { page, problems } = await openAt();
    await signIn(page, h.base, 'dispatcher', PASSWORD);
    await page.waitForSelector(`[data-testid=queue] li[data-id="${c.id}"]`);
    await page.click(`[data-testid=queue] li[data-id="${c.id}"]`);
    await page.waitForSelector('[data-action=accept]');
    return { c, page, problems, other: (await h.login('sim-dispatcher-b')).token };
  }

  it('refuses a 10,000-character paste with its length, sending nothing, rather than cutting it', async () => {
    const { page, problems } = await openAt();
    await signIn(page, h.base, 'dispatcher', PASSWORD);
    await page.waitForSelector('[data-testid=queue]');
    await mapIdle(page);
    const posted: string[] = [];
    page.on('request', (r) => r.method() === 'POST' && r.url().endsWith('/api/incidents') && posted.push(r.url()));
    await page.click('[data-testid=new-report]');
    await page.fill('[data-testid=report-form] textarea[name=description]', '长'.repeat(10_000));
    expect(await page.locator('[data-testid=report-form] textarea[name=description]').inputValue()).toHaveLength(10_000);
    await expect.poll(() => page.locator('[data-testid=description-count]').innerText()).toBe('10000 / 4000');
    const box = (await page.locator('[data-testid=map]').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.click('[data-testid=report-form] button[type=submit]');
    await expect.poll(() => page.locator('[data-testid=report-form]').innerText()).toContain('描述最多 4000 字，现在有 10000 字');
    expect(posted).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('sends a case to a grid picked by name, 改派 it to a department and 撤回 it, each named on the timeline', async () => {
    const { page, problems } = await caseOnConsole('街面秩序');
    const step = async (action: string): Promise<void> => {
      await page.click(`[data-action=${action}]`);
      await expect.poll(() => page.locator('[data-testid=message]').innerText()).toMatch(/^已/);
    };
    await step('accept');
    await step('register');
    // The picker finds a grid by its name; a name that is no grid is refused before anything is sent.
    await page.fill('[data-testid=grid-picker]', '不存在的网格');
    await expect.poll(() => page.locator('[data-testid=dispatch-target] .hint').innerText()).toBe('没有这个网格');
    await page.click('[data-action=dispatch]');
    await expect.poll(() => page.locator('[data-testid=actions] [role=alert]').innerText()).toMatch(/请从列表中选择网格/);
    await page.fill('[data-testid=grid-picker]', '通化街社区第二网格');
    await step('dispatch');
    await expect.poll(() => page.locator('[data-testid=timeline]').innerText()).toContain('派遣至 通化街社区第二网格党支部');
    // 改派 to a department, with its reason; then 撤回 back to dispatch.
    await page.check('[data-testid=dispatch-target] input[value=department]');
    await page.fill('textarea[aria-label=处理说明]', '属于市场监管范围');
    await page.selectOption('[data-testid=dispatch-target] select', '区市场监管局');
    await step('reassign');
    await expect
      .poll(() => page.locator('[data-testid=timeline]').innerText())
      .toContain('改派：通化街社区第二网格党支部 → 区市场监管局：属于市场监管范围');
    await page.fill('textarea[aria-label=处理说明]', '地址有误，先核实');
    await step('recall');
    await expect.poll(() => page.locator('[data-testid=timeline]').innerText()).toContain('撤回（原承办 区市场监管局）：地址有误，先核实');
    await expect.poll(() => page.locator('[data-action=dispatch]').count()).toBe(1);
    await page.screenshot({ path: join(SCREENS_DIR, 'dispatch-picker.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('follows the case on screen live to 结案 and 评价, done by others', async () => {
    const { c, page, problems, other } = await caseOnConsole('园林绿化设施');
    const leader = (await h.login('leader')).token;
    let v = c.version;
    const step = async (token: string, body: Record<string, unknown>): Promise<void> => {
      const res = await h.api<{ incident: Incident }>(token, 'POST', `/api/incidents/${c.id}/actions`, { ...body, version: v });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      v = res.body.incident.version;
    };
    await step(other, { action: 'accept' });
    await step(other, { action: 'register' });
    await step(other, { action: 'dispatch' });
    await step(gridworker, { action: 'start' });
    await step(gridworker, { action: 'feedback', note: '已修剪' });
    await step(other, { action: 'verify', pass: true });
    await step(other, { action: 'close' });
    await expect.poll(() => page.locator('[data-testid=incident-detail] .meta b').innerText(), { timeout: 10_000 }).toBe('结案');
    await step(leader, { action: 'evaluate', rating: 5 });
    await expect.poll(() => page.locator('[data-testid=incident-detail] .meta b').innerText(), { timeout: 10_000 }).toBe('评价');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('says clearly when someone else acted first', async () => {
    const { c, page, problems, other } = await caseOnConsole('宣传广告');
    // Another dispatcher accepts it just as this console's request leaves: its version is stale.
    let raced = false;
    await page.route('**/api/incidents/*/actions', async (route) => {
      if (!raced) {
        raced = true;
        await h.api(other, 'POST', `/api/incidents/${c.id}/actions`, { action: 'accept', version: c.version });
      }
      await route.continue();
    });
    const answer = page.waitForResponse((r) => r.url().endsWith('/actions'));
    await page.click('[data-action=accept]');
    expect((await answer).status()).toBe(409);
    await expect.poll(() => page.locator('[data-testid=message]').innerText()).toMatch(/他人已先处理/);
    await expect.poll(() => page.locator('[data-testid=incident-detail] .meta b').innerText()).toBe('受理');
    expect(problems.filter((p) => !p.includes('409'))).toEqual([]);
    await page.close();
  });

  it('shows a change someone else made while its own action was reloading the case', async () => {
    const { c, page, problems, other } = await caseOnConsole('市容环境设施');
    // After this console's 受理, its reload of the case is answered with the state before another
    // dispatcher's 立案, which reaches the console's feed while that reload is still out.
    let held = false;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route(`**/api/incidents/${c.id}`, async (route) => {
      if (held || route.request().method() !== 'GET' || !page.url().includes('/dispatch')) return route.continue();
      const accepted = (await h.api<{ incident: Incident }>(other, 'GET', `/api/incidents/${c.id}`)).body.incident;
      if (accepted.stage !== 'accepted') return route.continue();
      held = true;
      const before = await route.fetch();
      await h.api(other, 'POST', `/api/incidents/${c.id}/actions`, { action: 'register', version: accepted.version });
      await page.waitForFunction(
        (id) => document.querySelector(`[data-testid=queue] li[data-id="${id}"]`)?.textContent?.includes('立案'),
        c.id,
      );
      await route.fulfill({ response: before });
      release();
    });
    await page.click('[data-action=accept]');
    await released;
    // The console catches up with a reload of its own once its action is done.
    await expect.poll(() => page.locator('[data-testid=incident-detail] .meta b').innerText(), { timeout: 10_000 }).toBe('立案');
    await expect.poll(() => page.locator('[data-testid=message]').innerText()).toContain('他人更新');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('exports the queue with its filters as a CSV file that Excel reads as UTF-8', async () => {
    await report({ class: '施工管理' });
    const { page, problems } = await openAt();
    await signIn(page, h.base, 'dispatcher', PASSWORD);
    await page.waitForSelector('[data-testid=queue] li');
    await page.selectOption('select[aria-label=类别]', '施工管理');
    const saved = page.waitForEvent('download');
    await page.click('[data-testid=export-csv]');
    const file = await saved;
    expect(file.suggestedFilename()).toMatch(/^案件-431103-\d{12}\.csv$/);
    const bytes = readFileSync((await file.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
    expect(lines[0]).toMatch(/^案件编号,大类,类别,/);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(1).every((l) => l.split(',')[2] === '施工管理')).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('administration', () => {
  it('issues an Open311 key once, adds a DingTalk subscription, and shows the delivery log', async () => {
    const { page, problems } = await openAt({ width: 1440, height: 900 });
    await signIn(page, h.base, 'admin', PASSWORD);
    await page.waitForURL((url) => url.pathname === '/admin');
    await page.fill('input[aria-label=系统名称]', '12345热线平台');
    await page.click('[data-testid=api-keys] button.primary');
    const key = (await page.locator('[data-testid=issued-key] code').innerText()).trim();
    expect(key).toMatch(/^lst_[\w-]{32}$/);
    const submitted = await fetch(`${h.base}/open311/v2/requests.json`, {
      method: 'POST',
      body: new URLSearchParams({ api_key: key, service_code: 'S03', address_string: '某小区', description: '消防通道堵塞' }),
    });
    expect(submitted.status).toBe(201);
    await page.fill('input[aria-label=订阅名称]', '区指挥中心钉钉群');
    await page.fill('input[aria-label=推送地址]', 'http://127.0.0.1:9/robot/send?access_token=demo');
    await page.fill('input[aria-label=签名密钥]', 'SEC-demo-secret');
    await page.click('[data-testid=subscriptions] button.primary');
    await expect.poll(() => page.locator('[data-testid=subscriptions] tbody tr').count()).toBe(1);
    await report({ priority: '重大' });
    await h.app.notifier.deliverDue(); // nothing listens on port 9: the attempt fails and is logged
    await page.click('[data-testid=deliveries] h2 .link');
    await expect.poll(() => page.locator('[data-testid=deliveries] tbody tr').first().innerText()).toMatch(/新紧急案件[\s\S]*待重试/);
    // Channels, states and failures read in Chinese: no raw 'dingtalk' or 'TypeError: fetch failed'.
    expect(await page.locator('[data-testid=subscriptions] tbody').innerText()).toContain('钉钉群机器人（加签）');
    expect(await page.locator('[data-testid=deliveries] tbody tr').first().innerText()).toMatch(/连接失败/);
    await page.screenshot({ path: join(SCREENS_DIR, 'admin.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('browser safety', () => {
  const PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

  it('shows HTML and script in case text as text, on the wall and in dispatch, and runs none of it', async () => {
    const c = await report({
      class: '突发事件',
      priority: '重大',
      description: `${PAYLOAD}燃气泄漏`,
      address: `${PAYLOAD}地址`,
      reporterName: '<b>张</b>',
    });
    const wall = await openAt();
    await wall.page.goto(`${h.base}/wall?kiosk=${KIOSK}`);
    await mapIdle(wall.page);
    await wall.page.waitForFunction(hasStage, [c.id, 'reported'] as [string, string]);
    const console = await openAt();
    await signIn(console.page, h.base, 'dispatcher', PASSWORD);
    await console.page.click(`[data-testid=queue] li[data-id="${c.id}"]`);
    await console.page.waitForSelector('[data-testid=incident-detail]');
    expect(await console.page.locator('[data-testid=incident-detail] .desc').innerText()).toBe(`${PAYLOAD}燃气泄漏`);
    expect(await console.page.locator('[data-testid=incident-detail] .desc img, [data-testid=incident-detail] .desc script').count()).toBe(
      0,
    );
    expect(await console.page.locator('[data-testid=queue]').innerText()).toContain('<img src=x');
    for (const p of [wall.page, console.page])
      expect(await p.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await wall.page.close();
    await console.page.close();
  });

  it("sends security headers with a CSP that allows only the page's own origin and no inline script", async () => {
    for (const path of ['/wall', '/', '/dispatch', '/login', '/api/me']) {
      const res = await fetch(`${h.base}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('strict-transport-security'), path).toBeTruthy();
      expect(res.headers.get('x-powered-by'), path).toBeNull();
    }
  });
});

declare global {
  interface Window {
    __lstMap: MaplibreMap;
    __cameraMoves?: number[];
    __changedAfterLoad?: string[];
    __mapLoadedAt?: number;
    __chartDraws?: number;
    __pulseSteps?: number;
  }
}
