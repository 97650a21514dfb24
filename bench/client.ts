/**
 * `npm run bench:client -- --seconds 30 --rate 1000 --loads 3`: the wall in headless Chromium (1920×1080,
 * software WebGL) under `rate` incident changes per second, for each way of updating the map.
 *
 * The real server serves the built app and the geography; the feed is then driven from a worker of
 * the page (a stand-in for the server on its own thread: one delta per 50 ms tick by its own clock,
 * 60 % new cases, 30 % stage changes, 10 % closures, sent as JSON text) and each delta is parsed and
 * given to the app's own FeedClient in a task of its own (`__lstFeed.receive`, the path socket
 * deltas take: reducer → Pinia stores → map and panels). Measured per path: main-thread long tasks
 * (PerformanceObserver; target: none over 50 ms), frames per second, and that the retained set
 * stays within its bound.
 * Paths: case points by `updateData` (diff) vs `setData` (whole set); grid colours by feature-state
 * vs `setData` of the grid polygons. Also the first map idle after navigation (target ≤ 3 s), the
 * median of `--loads` fresh browsers, and where the wall's main thread spent it in one profiled load.
 * Baselines in the same run: the idle wall; the wall's map alone (its own style and layers at its
 * size, with nothing of the app around it: what the map costs before the app's own work); and a bare
 * MapLibre page of the same grids (fill and outline only). The first idles are taken in as many fresh
 * browsers each, in turn; the bare page also gives its long tasks while its points change at `rate`
 * by updateData.
 * Writes bench/results/client.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bbox } from '@turf/turf';
import type { GeoJSON } from 'geojson';
import { DEMO_GEOGRAPHY_DIR } from '../server/src/cli/geo-file.ts';
import type { Incident } from '../server/src/contract/incidents.ts';
import type { Delta } from '../server/src/contract/realtime.ts';
import { readGeographySet } from '../server/src/store/geography-files.ts';
import { BASE_LAYERS, buildStyle, type BaseData } from '../client/src/map/style.ts';
import { launchBrowser, mapIdle, openPage, SOFTWARE_GL_ARGS } from '../test/helpers/browser.ts';
import { freePort, startServerProcess, stopGracefully } from '../test/helpers/process.ts';
import { round, writeResult } from './lib.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    rate: { type: 'string', default: '1000' },
    loads: { type: 'string', default: '3' },
  },
});
const SECONDS = Math.min(300, Number(values.seconds));
const RATE = Math.min(10_000, Number(values.rate));
/** Fresh browsers per page for the first idle, which varies by a second or more from one to the next. */
const LOADS = Math.max(1, Math.min(9, Number(values.loads)));
const KIOSK = 'bench-kiosk-key-2026';
const ROOT = join(import.meta.dirname, '..');
const RETAINED_BOUND = 2000; // client/src/feed/reducer.ts

if (!existsSync(join(ROOT, 'dist/client/index.html')))
  spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });

interface MapPage {
  base: string;
  close(): void;
}

/**
 * Serves a page of its own with MapLibre (from node_modules, as built) and nothing else: `script`
 * (a module that builds the map into #map and sets `window.__mapIdle` at its first idle) and `files`.
 */
async function serveMapPage(script: string, files: Record<string, [string, string]>, mapCss: string): Promise<MapPage> {
  const dist = join(ROOT, 'node_modules/maplibre-gl/dist');
  const all: Record<string, [string, string | Buffer]> = {
    '/': [
      'text/html',
      `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><style>html,body{margin:0;width:100%;height:100%;background:#06142b}#map{${mapCss}}</style><div id="map"></div><script type="module" src="/page.js"></script>`,
    ],
    '/page.js': [
      'text/javascript',
      `import * as maplibregl from '/maplibre-gl.mjs';\nmaplibregl.setWorkerUrl('/maplibre-gl-worker.mjs');\n${script}`,
    ],
    '/maplibre-gl.mjs': ['text/javascript', readFileSync(join(dist, 'maplibre-gl.mjs'))],
    '/maplibre-gl-worker.mjs': ['text/javascript', readFileSync(join(dist, 'maplibre-gl-worker.mjs'))],
    ...files,
  };
  const http = createServer((req, res) => {
    const file = all[req.url ?? ''];
    if (file) res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, close: () => http.close() };
}

/**
 * The baselines of a bare MapLibre page — the same 304 grids as one fill and one outline layer over a
 * background, and one circle layer of points, nothing else (no app, no text, no panels) — served by
 * this script. Its first idle is what software GL on this machine costs any map before the app's own
 * work; its long tasks while its points change by `updateData` at `rate` (as the wall's case points
 * do), after 5 s of the same to warm it up, are what such a map costs at that rate.
 */
async function serveBareMap(): Promise<MapPage & { box: [number, number, number, number] }> {
  const grids = readGeographySet(DEMO_GEOGRAPHY_DIR).geography.grids;
  const [minX, minY, maxX, maxY] = bbox(grids);
  const page = await serveMapPage(
    `const grids = await (await fetch('/grids.json')).json();
    const map = new maplibregl.Map({ container: 'map', attributionControl: false, bounds: [[${minX}, ${minY}], [${maxX}, ${maxY}]], fitBoundsOptions: { padding: 24 },
      style: { version: 8, sources: { grids: { type: 'geojson', data: grids }, points: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } } }, layers: [
        { id: 'ground', type: 'background', paint: { 'background-color': '#06142b' } },
        { id: 'fill', type: 'fill', source: 'grids', paint: { 'fill-color': '#2f5f94' } },
        { id: 'line', type: 'line', source: 'grids', paint: { 'line-color': '#5fb8ff' } },
        { id: 'points', type: 'circle', source: 'points', paint: { 'circle-radius': 5, 'circle-color': '#ff5a5a' } }] } });
    window.__bareMap = window.__lstMap = map;
    map.once('idle', () => (window.__mapIdle = Date.now()));`,
    { '/grids.json': ['application/json', JSON.stringify(grids)] },
    'width:100%;height:100%',
  );
  return { ...page, box: [minX, minY, maxX, maxY] };
}

/**
 * The wall's own map with nothing of the app around it: the style the wall builds (buildStyle,
 * dark, the wall's text scale) over the base layers as the server serves them, in a box the size of
 * the wall's map, framed as the wall frames it. No panels, no charts, no feed, no Vue: what the map
 * alone costs software GL here, against which the wall's first idle is read.
 */
async function serveWallMapAlone(server: string, map: { width: number; height: number; scale: number }): Promise<MapPage> {
  const { token } = (await (
    await fetch(`${server}/api/auth/kiosk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: KIOSK }),
    })
  ).json()) as { token: string };
  const layer = async (name: string): Promise<GeoJSON> =>
    (await fetch(`${server}/api/geography/${name}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<GeoJSON>;
  const data = Object.fromEntries(await Promise.all(BASE_LAYERS.map(async (name) => [name, await layer(name)] as const))) as BaseData;
  const [minX, minY, maxX, maxY] = bbox(data.streets);
  return serveMapPage(
    `const style = await (await fetch('/style.json')).json();
    const map = new maplibregl.Map({ container: 'map', style, attributionControl: false, interactive: false, localIdeographFontFamily: "'Noto Sans SC', sans-serif",
      maxZoom: 18, minZoom: 8, bounds: [[${minX}, ${minY}], [${maxX}, ${maxY}]], fitBoundsOptions: { padding: 24 } });
    window.__lstMap = map;
    map.once('idle', () => (window.__mapIdle = Date.now()));`,
    { '/style.json': ['application/json', JSON.stringify(buildStyle('dark', data, map.scale))] },
    `width:${map.width}px;height:${map.height}px`,
  );
}

/**
 * First map idle after navigation, in a browser of its own (neither page starts with a GPU process
 * or a shader cache the other has warmed), and when the map was constructed: seen as the page
 * exposes it (`window.__lstMap`, as the app does and the bench's own pages do too).
 */
async function firstIdle(url: string): Promise<{ idle: number; constructed: number }> {
  const browser = await launchBrowser(SOFTWARE_GL_ARGS);
  try {
    const { page, problems } = await openPage(browser, new URL(url).origin);
    await page.addInitScript(() => {
      const w = window as unknown as { __name: unknown; __lstMap?: unknown; __mapConstructedAt?: number };
      w.__name = (f: unknown) => f;
      let map: unknown;
      Object.defineProperty(w, '__lstMap', {
        configurable: true,
        get: () => map,
        set: (m: unknown) => ((map = m), (w.__mapConstructedAt = performance.now())),
      });
    });
    await page.goto(url);
    await mapIdle(page, 60_000);
    if (problems.length) throw new Error(`${url}: ${problems.join('; ')}`);
    return await page.evaluate(() => {
      const w = window as unknown as { __mapIdle: number; __mapConstructedAt: number };
      return { idle: w.__mapIdle - performance.timeOrigin, constructed: w.__mapConstructedAt };
    });
  } finally {
    await browser.close();
  }
}

/** The bare page's long tasks under `rate` point changes/s, after 5 s of the same to warm it up. */
async function driveBareMap({
  base,
  box,
}: {
  base: string;
  box: [number, number, number, number];
}): Promise<{ coldLongTasks: number[]; longTasks: number[]; seconds: number; applied: number; points: number }> {
  const bare = await launchBrowser(SOFTWARE_GL_ARGS);
  try {
    const { page, problems } = await openPage(bare, base);
    await page.addInitScript(() => void ((window as unknown as { __name: unknown }).__name = (f: unknown) => f));
    await page.goto(`${base}/`);
    await mapIdle(page);
    if (problems.length) throw new Error(`bare map page: ${problems.join('; ')}`);
    await page.waitForTimeout(5000);
    // Warm up first, as the wall is by the runs before its updateData row: the points' first draws
    // compile their shader programs (one long task in software GL), once per page.
    const source = loadSource(pointBatches, { box, bound: RETAINED_BOUND });
    const cold = await page.evaluate(driveBare, { seconds: 5, rate: RATE, source });
    const driven = await page.evaluate(driveBare, { seconds: SECONDS, rate: RATE, source });
    return { coldLongTasks: cold.longTasks, ...driven };
  } finally {
    await bare.close();
  }
}

/**
 * Makes the bare page's batches (in the load's worker, see `loadSource`): `due` point changes in the
 * wall's mix (60 % new points, 30 % moved, 10 % removed; at most `bound` kept, the oldest dropped first).
 */
function pointBatches({
  box,
  bound,
}: {
  box: [number, number, number, number];
  bound: number;
}): (due: number) => { add: unknown[]; remove: string[]; kept: number } {
  const kept: string[] = [];
  let n = 0;
  const point = (id: string) => ({
    type: 'Feature',
    id,
    properties: { id },
    geometry: { type: 'Point', coordinates: [box[0] + Math.random() * (box[2] - box[0]), box[1] + Math.random() * (box[3] - box[1])] },
  });
  return (due) => {
    const add: unknown[] = [];
    const remove: string[] = [];
    for (let c = 0; c < due; c++) {
      const r = c % 10;
      if (r < 6 || kept.length < 50) {
        const id = `p${n++}`;
        kept.push(id);
        add.push(point(id));
      } else {
        const at = Math.floor(Math.random() * kept.length);
        const id = kept[at]!;
        remove.push(id);
        if (r === 9) kept.splice(at, 1);
        else add.push(point(id));
      }
    }
    while (kept.length > bound) remove.push(kept.shift()!);
    return { add, remove, kept: kept.length };
  };
}

/** Runs in the bare page: `rate` point changes/s from a worker (`source`), each batch given to `updateData` in a task of its own, watching the main thread. */
async function driveBare({ seconds, rate, source: code }: { seconds: number; rate: number; source: string }) {
  type Source = { updateData(d: { add?: unknown[]; remove?: string[] }): Promise<void> };
  const source = (window as unknown as { __bareMap: { getSource(id: string): Source } }).__bareMap.getSource('points');
  const longTasks: number[] = [];
  const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
  observer.observe({ type: 'longtask' });
  const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
  let applied = 0;
  let points = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    worker.onmessage = ({ data }: MessageEvent<string>) => {
      if (data === 'done') return resolve();
      const batch = JSON.parse(data) as { add: unknown[]; remove: string[]; kept: number; due: number };
      void source.updateData({ add: batch.add, remove: batch.remove });
      applied += batch.due;
      points = batch.kept;
    };
    worker.postMessage({ seconds, rate });
  });
  const driven = (performance.now() - started) / 1000;
  worker.terminate();
  await new Promise((r) => setTimeout(r, 1000));
  observer.disconnect();
  return { longTasks, seconds: driven, applied, points };
}
const bareServer = await serveBareMap();
const bareMapRun = await driveBareMap(bareServer);

const server = await startServerProcess(
  {
    DATA_DIR: mkdtempSync(join(tmpdir(), 'lst-client-')),
    DEMO_PASSWORD: 'bench-pass-2026',
    KIOSK_KEY: KIOSK,
    LOG_LEVEL: 'error',
    // Nothing else may send deltas while the page is driven (their seq would collide with ours).
    INDICATORS_EVERY_MS: '60000',
    SLA_TIME_SCALE: '1',
  },
  await freePort(),
);
const browser = await launchBrowser(SOFTWARE_GL_ARGS);
const { page, problems } = await openPage(browser, server.base);
// tsx (esbuild keepNames) wraps named inner functions in __name(); the page functions below need it.
await page.addInitScript(() => void ((window as unknown as { __name: unknown }).__name = (f: unknown) => f));
// The first load is profiled (V8 sampling profiler, through the DevTools protocol) to say where the
// time to the first idle goes: the WebGL context and the shader programs are software GL's own cost.
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
await cdp.send('Profiler.start');
await page.goto(`${server.base}/wall?kiosk=${KIOSK}`);
await mapIdle(page);
const profiledIdleMs = await page.evaluate(() => (window as unknown as { __mapIdle: number }).__mapIdle - performance.timeOrigin);
const firstLoad: Record<string, number> = {
  profiledIdleMs: round(profiledIdleMs),
  ...firstLoadBreakdown((await cdp.send('Profiler.stop')).profile),
};
// What crossed the network to get there (the app, the geography, fonts, the map worker), and its size as used.
const bytes = await page.evaluate(() =>
  (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).reduce(
    (sum, e) => ({ transferred: sum.transferred + e.encodedBodySize, decoded: sum.decoded + e.decodedBodySize }),
    { transferred: 0, decoded: 0 },
  ),
);
Object.assign(firstLoad, { transferredKb: round(bytes.transferred / 1024), decodedKb: round(bytes.decoded / 1024) });
await cdp.detach();
// The wall's map as laid out at 1920×1080, for the page that shows it alone.
const wallMap = await page.evaluate(() => {
  const box = document.querySelector('.maplibregl-canvas')!.getBoundingClientRect();
  return {
    width: Math.round(box.width),
    height: Math.round(box.height),
    scale: parseFloat(getComputedStyle(document.documentElement).fontSize) / 16,
  };
});
await page.waitForFunction(() => !!(window as unknown as { __lstFeed?: { state(): unknown } }).__lstFeed?.state());
await page.waitForTimeout(5000); // let the start-up work (fonts, detail tiles, first chart renders) settle before measuring

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string }; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
}

/**
 * The main thread's time until the first idle, from the profile: inside MapLibre's `_setupPainter`
 * (creating the WebGL context) and `getProgram` (compiling and linking shaders) — method names,
 * which minification keeps — the rest of the script, and idle (waiting for the network, the map's
 * worker or Chromium's GPU process).
 */
function firstLoadBreakdown(profile: CpuProfile): Record<string, number> {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const within = (id: number, name: string): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      if (nodes.get(at)!.callFrame.functionName === name) return true;
    return false;
  };
  const ms = { glContext: 0, shaders: 0, otherScript: 0, idle: 0 };
  (profile.samples ?? []).forEach((id, i) => {
    const dt = (profile.timeDeltas?.[i] ?? 0) / 1000;
    const name = nodes.get(id)!.callFrame.functionName;
    if (name === '(idle)') ms.idle += dt;
    else if (within(id, '_setupPainter')) ms.glContext += dt;
    else if (within(id, 'getProgram')) ms.shaders += dt;
    else ms.otherScript += dt;
  });
  return Object.fromEntries(Object.entries(ms).map(([k, v]) => [`${k}Ms`, round(v)]));
}

interface Drive {
  longTasks: number[];
  frames: number;
  applied: number;
  deltas: number;
  retained: number;
  seconds: number;
}

/**
 * The source of a drive's load, as the code of a worker of the page: its own thread, as the real
 * server is its own process. Every 50 ms by its own clock it sends what is due at `rate` as one
 * batch made by `batches(config)`, as JSON text, as the server coalesces per tick; then `done`. A
 * late tick of its own sends a bigger batch, as the server would; a busy page does not: its batches
 * wait in the queue, each its own task, as socket frames do. (A drive on the page's own timer would
 * send one catch-up batch for all a late timer had missed, and measure that batch, not the wall.)
 */
function loadSource<C>(batches: (config: C) => (due: number) => object, config: C): string {
  const loop = (
    self: { postMessage(m: unknown): void; onmessage: ((e: { data: { seconds: number; rate: number } }) => void) | null },
    make: (due: number) => object,
  ): void => {
    self.onmessage = ({ data: { seconds, rate } }) => {
      const started = performance.now();
      let sent = 0;
      const tick = (): void => {
        if (performance.now() - started > seconds * 1000) return self.postMessage('done');
        const due = Math.round(((performance.now() - started) / 1000) * rate) - sent;
        sent += due;
        self.postMessage(JSON.stringify({ ...make(due), due }));
        setTimeout(tick, 50);
      };
      tick();
    };
  };
  // tsx (esbuild keepNames) wraps named functions in __name(), which the worker needs as the page does.
  return `self.__name = (f) => f; (${loop.toString()})(self, (${batches.toString()})(${JSON.stringify(config)}));`;
}

/** Makes the wall's deltas (in the load's worker): `due` changes, 60 % new cases, 30 % stage changes, 10 % closures. */
function incidentBatches(): (due: number) => Omit<Delta, 'scope' | 'seq'> {
  const CLASSES = ['市容环境', '公用设施', '矛盾纠纷', '安全隐患', '街面秩序'] as const;
  const PRIORITIES = ['一般', '一般', '一般', '紧急', '重大'] as const;
  const NEXT = {
    reported: 'accepted',
    accepted: 'registered',
    registered: 'dispatched',
    dispatched: 'handling',
    handling: 'handled',
    handled: 'verified',
  } as Record<string, Incident['stage']>;
  let n = 0;
  const open: Incident[] = [];
  const fresh = (): Incident => {
    const at = new Date().toISOString();
    const k = n++;
    return {
      id: `B${String(k).padStart(8, '0')}`,
      class: CLASSES[k % 5]!,
      priority: PRIORITIES[k % 5]!,
      source: '网格员巡查',
      stage: 'reported',
      description: `压测 ${k}`,
      address: '冷水滩区',
      lng: 111.56 + ((k * 7919) % 1000) / 10_000,
      lat: 26.39 + ((k * 104_729) % 1000) / 10_000,
      gridCode: '431103003004001',
      communityCode: '431103003004',
      streetCode: '431103003',
      needsManualLocation: false,
      suggestedAssignee: { kind: 'branch', id: 'P431103003004001', name: '通化街社区第一网格党支部' },
      assignee: null,
      reporterName: '',
      reporterPhone: '',
      photoUrl: null,
      duplicateOf: null,
      duplicateCount: 0,
      version: 1,
      createdAt: at,
      updatedAt: at,
      stageEnteredAt: at,
      deadline: new Date(Date.now() + 3_600_000).toISOString(),
      slaState: k % 11 === 0 ? 'red' : k % 7 === 0 ? 'amber' : 'ok',
      supervised: false,
      escalationLevel: 0,
      extensionCount: 0,
      reworkCount: 0,
      returnCount: 0,
      lateStages: 0,
      handlers: [],
      closedAt: null,
      closedOnTime: null,
      rating: null,
    };
  };
  return (due) => {
    const incidents: Incident[] = [];
    for (let c = 0; c < due; c++) {
      const r = c % 10;
      if (r < 6 || open.length < 50) {
        const i = fresh();
        open.push(i);
        incidents.push(i);
      } else {
        const at = Math.floor(Math.random() * open.length);
        const current = open[at]!;
        const closing = r === 9 || !NEXT[current.stage];
        const next: Incident = {
          ...current,
          version: current.version + 1,
          updatedAt: new Date().toISOString(),
          stage: closing ? 'closed' : NEXT[current.stage]!,
        };
        if (closing) open.splice(at, 1);
        else open[at] = next;
        incidents.push(next);
      }
    }
    return { incidents, tasks: [], indicators: null, serverTime: new Date().toISOString() };
  };
}

/**
 * Runs in the page: `rate` changes/s for `seconds` from a worker (`source`), each delta parsed and
 * given to the FeedClient in a task of its own (the path socket deltas take), watching the main
 * thread: long tasks, frames, and the retained set.
 */
async function drive({ seconds, rate, source }: { seconds: number; rate: number; source: string }): Promise<Drive> {
  type Feed = { receive(d: Delta): void; state(): { scope: string; seq: number; incidents: Map<string, Incident> } };
  const feed = (window as unknown as { __lstFeed: Feed }).__lstFeed;
  const longTasks: number[] = [];
  const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
  observer.observe({ type: 'longtask' });
  let frames = 0;
  let counting = true;
  const countFrame = (): void => void (counting && (frames++, requestAnimationFrame(countFrame)));
  requestAnimationFrame(countFrame);
  const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
  let applied = 0;
  let deltas = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    worker.onmessage = ({ data }: MessageEvent<string>) => {
      if (data === 'done') return resolve();
      const state = feed.state();
      const { due: _due, ...delta } = JSON.parse(data) as Omit<Delta, 'scope' | 'seq'> & { due: number };
      feed.receive({ ...delta, scope: state.scope, seq: state.seq + 1 });
      applied += delta.incidents.length;
      deltas++;
    };
    worker.postMessage({ seconds, rate });
  });
  const driven = (performance.now() - started) / 1000;
  worker.terminate();
  await new Promise((r) => setTimeout(r, 1000)); // let the last frame and long tasks land
  counting = false;
  observer.disconnect();
  return { longTasks, frames, applied, deltas, retained: feed.state().incidents.size, seconds: driven };
}

/** Runs in the page: recolours the grids `times` times by feature-state or by setData, timing the main thread. */
async function recolour({
  how,
  times,
}: {
  how: 'feature-state' | 'setData';
  times: number;
}): Promise<{ meanMs: number; longTasks: number[] }> {
  type Map = {
    getSource(
      id: string,
    ): { setData(d: unknown): Promise<void>; getData(): Promise<{ features: { properties: Record<string, unknown> }[] }> } | undefined;
    setFeatureState(f: { source: string; id: string }, s: Record<string, unknown>): void;
  };
  const map = (window as unknown as { __lstMap: Map }).__lstMap;
  const source = map.getSource('grids')!;
  const data = await source.getData();
  const longTasks: number[] = [];
  const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
  observer.observe({ type: 'longtask' });
  let spent = 0;
  const frame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));
  for (let t = 0; t < times; t++) {
    const started = performance.now();
    let done: Promise<void> = Promise.resolve();
    if (how === 'feature-state') {
      for (const f of data.features) map.setFeatureState({ source: 'grids', id: String(f.properties.code) }, { value: Math.random() });
    } else {
      done = source.setData({
        ...data,
        features: data.features.map((f) => ({ ...f, properties: { ...f.properties, value: Math.random() } })),
      });
    }
    spent += performance.now() - started;
    // The wall never goes idle (its pulse restyles every frame): wait for the worker, then two frames.
    await done;
    await frame();
    await frame();
  }
  observer.disconnect();
  return { meanMs: spent / times, longTasks };
}

const rows: Record<string, unknown>[] = [];
// The idle wall first (no changes): what software WebGL costs by itself, the baseline for the rest.
for (const [path, rate] of [
  ['updateData', 0],
  ['setData', RATE],
  ['updateData', RATE],
] as const) {
  await page.evaluate((p) => (window as unknown as { __lstIncidentPath(p: string): void }).__lstIncidentPath(p), path);
  await page.waitForTimeout(1000);
  const r = await page.evaluate(drive, { seconds: SECONDS, rate, source: loadSource(incidentBatches, undefined) });
  rows.push({
    layer: 'case points',
    path: rate === 0 ? 'idle (baseline)' : path,
    'changes/s': round(r.applied / r.seconds),
    deltas: r.deltas,
    'long tasks > 50 ms': r.longTasks.filter((d) => d > 50).length,
    'longest task ms': round(Math.max(0, ...r.longTasks)),
    fps: round(r.frames / r.seconds),
    retained: r.retained,
    'within bound': r.retained <= RETAINED_BOUND,
  });
}
for (const how of ['feature-state', 'setData'] as const) {
  const r = await page.evaluate(recolour, { how, times: 20 });
  rows.push({
    layer: 'grid colours',
    path: how,
    'main-thread ms per update': round(r.meanMs, 2),
    'long tasks > 50 ms': r.longTasks.filter((d) => d > 50).length,
    'longest task ms': round(Math.max(0, ...r.longTasks)),
  });
}
await browser.close();
// The first idle, without the profiler, in fresh browsers: the wall's, its map alone's and the bare page's in turn.
const wallIdles: number[] = [];
const bareIdles: number[] = [];
const aloneIdles: number[] = [];
/** When each load constructed its map (ms after navigation), in the same order. */
const constructed = { wall: [] as number[], wallMapAlone: [] as number[], bare: [] as number[] };
const aloneServer = await serveWallMapAlone(server.base, wallMap);
for (let i = 0; i < LOADS; i++) {
  for (const [url, idles, at] of [
    [`${server.base}/wall?kiosk=${KIOSK}`, wallIdles, constructed.wall],
    [`${aloneServer.base}/`, aloneIdles, constructed.wallMapAlone],
    [`${bareServer.base}/`, bareIdles, constructed.bare],
  ] as const) {
    const load = await firstIdle(url);
    idles.push(round(load.idle));
    at.push(round(load.constructed));
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const [firstIdleMs, aloneIdleMs, bareIdleMs] = [median(wallIdles), median(aloneIdles), median(bareIdles)];
const mapConstructedMs = {
  wall: median(constructed.wall),
  wallMapAlone: median(constructed.wallMapAlone),
  bare: median(constructed.bare),
  runs: constructed,
};
await stopGracefully(server);
bareServer.close();
aloneServer.close();

rows.push({
  layer: 'bare map points',
  path: 'updateData (bare MapLibre page)',
  'changes/s': round(bareMapRun.applied / bareMapRun.seconds),
  'long tasks > 50 ms': bareMapRun.longTasks.filter((d) => d > 50).length,
  'longest task ms': round(Math.max(0, ...bareMapRun.longTasks)),
  retained: bareMapRun.points,
  'within bound': bareMapRun.points <= RETAINED_BOUND,
  'warm-up long tasks': bareMapRun.coldLongTasks
    .filter((d) => d > 50)
    .map(Math.round)
    .join(' '),
});
console.table(rows);
console.log(
  `first map idle after navigation, median of ${LOADS} fresh browsers: ${firstIdleMs} ms [${wallIdles.join(', ')}] (target ≤ 3000); ` +
    `the wall's map alone (its style and layers, ${wallMap.width}×${wallMap.height}, no app around it): ${aloneIdleMs} ms [${aloneIdles.join(', ')}]; ` +
    `a bare MapLibre page of the same grids: ${bareIdleMs} ms [${bareIdles.join(', ')}]; ` +
    `the map constructed at (median) ${mapConstructedMs.wall} ms in the wall, ${mapConstructedMs.wallMapAlone} ms alone, ${mapConstructedMs.bare} ms in the bare page; the wall's main thread in a profiled load (idle at ${firstLoad.profiledIdleMs} ms): WebGL context ${firstLoad.glContextMs} ms and shader programs ${firstLoad.shadersMs} ms (software GL), other script ${firstLoad.otherScriptMs} ms, idle ${firstLoad.idleMs} ms; ` +
    `${firstLoad.transferredKb} KB over the network (${firstLoad.decodedKb} KB as used)`,
);
if (problems.length) console.log(`page problems: ${problems.join('; ')}`);
console.log(
  `wrote ${writeResult('client', { seconds: SECONDS, rate: RATE, firstIdleMs, wallMapAloneFirstIdleMs: aloneIdleMs, bareMapFirstIdleMs: bareIdleMs, firstIdleRuns: wallIdles, wallMapAloneFirstIdleRuns: aloneIdles, bareMapFirstIdleRuns: bareIdles, mapConstructedMs, wallMap, firstLoad, rows, problems })}`,
);
