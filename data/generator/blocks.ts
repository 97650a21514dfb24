/**
 * The city-block mesh everything else is built from: a relaxed Voronoi tessellation of an
 * irregular urban-core outline. Streets, communities and grids are unions of whole blocks, so
 * neighbouring units share exactly the same vertices (no gaps, no overlaps by construction);
 * each block becomes a compound (小区).
 */
import { Delaunay } from 'd3-delaunay';
import type { Random } from '../../server/src/domain/random.ts';
import type { XY } from './projection.ts';

export interface Block {
  id: number;
  /** Closed ring (first = last), counter-clockwise, in local metres. Voronoi cells are convex. */
  ring: XY[];
  centroid: XY;
  area: number;
  neighbors: number[];
}

export interface CoreShape {
  /** Half-extent east-west and north-south, metres. */
  radiusX: number;
  radiusY: number;
  /** Mean distance between block centres, metres. */
  spacing: number;
}

export function buildBlocks(random: Random, shape: CoreShape): Block[] {
  const inCore = coreOutline(random, shape);
  const bounds: [number, number, number, number] = [-shape.radiusX * 1.6, -shape.radiusY * 1.6, shape.radiusX * 1.6, shape.radiusY * 1.6];
  let points: XY[] = [];
  const s = shape.spacing;
  for (let y = bounds[1], row = 0; y <= bounds[3]; y += s * 0.87, row++) {
    for (let x = bounds[0] + (row % 2) * s * 0.5; x <= bounds[2]; x += s) {
      points.push([x + random.range(-0.45, 0.45) * s, y + random.range(-0.45, 0.45) * s]);
    }
  }
  // Two Lloyd iterations: even enough to look planned, irregular enough to look grown.
  for (let i = 0; i < 2; i++) {
    const voronoi = Delaunay.from(points).voronoi(bounds);
    points = points.map((_, j) => polygonCentroid(voronoi.cellPolygon(j) as XY[]));
  }
  const voronoi = Delaunay.from(points).voronoi(bounds);
  const selected = points.map((p, i) => (inCore(p) ? i : -1)).filter((i) => i >= 0);
  const idOf = new Map(selected.map((pointIndex, id) => [pointIndex, id]));
  return selected.map((pointIndex, id) => {
    const ring = (voronoi.cellPolygon(pointIndex) as XY[]).map((p) => [p[0], p[1]] as XY);
    if (signedArea(ring) < 0) ring.reverse();
    return {
      id,
      ring,
      centroid: polygonCentroid(ring),
      area: Math.abs(signedArea(ring)),
      neighbors: [...voronoi.neighbors(pointIndex)]
        .filter((n) => idOf.has(n))
        .map((n) => idOf.get(n)!)
        .sort((a, b) => a - b),
    };
  });
}

/** An irregular, roughly elliptic outline (longer north-south, as the city follows the river). */
function coreOutline(random: Random, shape: CoreShape): (p: XY) => boolean {
  const harmonics = [2, 3, 5, 7].map((k, i) => ({ k, amp: [0.12, 0.08, 0.05, 0.03][i]!, phase: random.range(0, 2 * Math.PI) }));
  return ([x, y]) => {
    const theta = Math.atan2(y / shape.radiusY, x / shape.radiusX);
    const r = Math.hypot(x / shape.radiusX, y / shape.radiusY);
    const wobble = harmonics.reduce((sum, h) => sum + h.amp * Math.sin(h.k * theta + h.phase), 0);
    return r <= 1 + wobble;
  };
}

function signedArea(ring: readonly XY[]): number {
  let a = 0;
  for (let i = 0; i < ring.length - 1; i++) a += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
  return a / 2;
}

function polygonCentroid(ring: readonly XY[]): XY {
  let cx = 0;
  let cy = 0;
  let a = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [x0, y0] = ring[i]!;
    const [x1, y1] = ring[i + 1]!;
    const f = x0 * y1 - x1 * y0;
    cx += (x0 + x1) * f;
    cy += (y0 + y1) * f;
    a += f;
  }
  return [cx / (3 * a), cy / (3 * a)];
}
