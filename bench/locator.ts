/**
 * `npm run bench:locator`: gridAt (a cell index + exact point-in-polygon) against the naive baseline —
 * turf booleanPointInPolygon over every grid, lowest code wins — on the district's 304 grids and
 * on a generated 10,000-grid city, in the same run. Answers must be identical. The naive loop runs
 * on a subset (it is slow); ratios are per point, from the median of 5 alternating rounds (this VM's
 * speed varies from run to run; alternating exposes both sides to the same conditions). Targets: ≥ 40× and ≥ 100×.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as turf from '@turf/turf';
import { Delaunay } from 'd3-delaunay';
import type { UnitFeature } from '../server/src/contract/geo.ts';
import { DEMO_GEOGRAPHY_DIR } from '../server/src/cli/geo-file.ts';
import { createLocator } from '../server/src/domain/locator.ts';
import { createRandom } from '../server/src/domain/random.ts';
import { readGeographySet } from '../server/src/store/geography-files.ts';

function naive(grids: readonly UnitFeature[]) {
  const sorted = [...grids].sort((a, b) => (a.properties.code < b.properties.code ? -1 : 1));
  return (lng: number, lat: number): string | null =>
    sorted.find((g) => turf.booleanPointInPolygon([lng, lat], g))?.properties.code ?? null;
}

function syntheticCity(n: number): UnitFeature[] {
  const random = createRandom(99);
  const [x0, y0, x1, y1] = [111.3, 26.2, 111.9, 26.8];
  const points = Array.from({ length: n }, () => [random.range(x0, x1), random.range(y0, y1)] as [number, number]);
  const voronoi = Delaunay.from(points).voronoi([x0, y0, x1, y1]);
  return points.map((_, i) => ({
    type: 'Feature',
    geometry: { type: 'Polygon', coordinates: [voronoi.cellPolygon(i) as number[][]] },
    properties: {
      code: `431103${String(i).padStart(9, '0')}`,
      name: `G${i}`,
      level: 'grid',
      parentCode: null,
      area: 0,
      households: 0,
      population: 0,
      partyMembers: 0,
    },
  }));
}

const ROUNDS = 5;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Ours and the naive loop in alternating rounds; per-point time is each side's median round. */
function run(label: string, grids: UnitFeature[], points: number, naivePoints: number) {
  const random = createRandom(7);
  const [minX, minY, maxX, maxY] = turf.bbox(turf.featureCollection(grids));
  const pts = Array.from({ length: points }, () => [random.range(minX, maxX), random.range(minY, maxY)] as const);
  const locator = createLocator(grids);
  const brute = naive(grids);
  for (const [x, y] of pts.slice(0, 20_000)) locator.locate(x, y); // warm up the JIT
  const oursMs: number[] = [];
  const naiveMs: number[] = [];
  let ours: (string | null)[] = [];
  let base: (string | null)[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let t = performance.now();
    ours = pts.map(([x, y]) => locator.locate(x, y)?.properties.code ?? null);
    oursMs.push(performance.now() - t);
    t = performance.now();
    base = pts.slice(0, naivePoints).map(([x, y]) => brute(x, y));
    naiveMs.push(performance.now() - t);
  }
  const mismatches = base.filter((code, i) => code !== ours[i]).length;
  const perPointOurs = (median(oursMs) * 1000) / points;
  const perPointNaive = (median(naiveMs) * 1000) / naivePoints;
  return {
    label,
    grids: grids.length,
    points,
    naivePoints,
    rounds: ROUNDS,
    oursMicros: Math.round(perPointOurs * 100) / 100,
    naiveMicros: Math.round(perPointNaive * 10) / 10,
    ratio: Math.round(perPointNaive / perPointOurs),
    mismatches,
  };
}

const { geography } = readGeographySet(DEMO_GEOGRAPHY_DIR);
const rows = [
  { ...run('district (304 grids)', geography.grids.features, 100_000, 10_000), target: 40 },
  { ...run('generated city (10,000 grids)', syntheticCity(10_000), 100_000, 500), target: 100 },
];
console.table(
  rows.map((r) => ({
    case: r.label,
    points: r.points,
    'ours µs/pt': r.oursMicros,
    'naive µs/pt': r.naiveMicros,
    ratio: `${r.ratio}×`,
    target: `≥ ${r.target}×`,
    identical: r.mismatches === 0 ? 'yes' : `NO (${r.mismatches})`,
  })),
);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'locator.json'), JSON.stringify(rows, null, 2));
process.exitCode = rows.every((r) => r.mismatches === 0 && r.ratio >= r.target) ? 0 : 1;
