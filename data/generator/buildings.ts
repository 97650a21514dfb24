/**
 * Compounds (小区) and building footprints (楼栋). A compound is its block shrunk towards the
 * centre, leaving room for the roads between blocks; buildings are rectangles in rows aligned with
 * the block's longest side, kept only where all four corners fall inside the (convex) compound.
 */
import type { Random } from '../../server/src/domain/random.ts';
import type { XY } from './projection.ts';
import type { Block } from './blocks.ts';

export interface BuildingShape {
  ring: XY[];
  floors: number;
  footprint: number;
}

const MAX_BUILDINGS_PER_COMPOUND = 14;

/** The compound outline for a block: the convex block scaled towards its centroid. */
export function compoundRing(block: Block, scale = 0.8): XY[] {
  const [cx, cy] = block.centroid;
  const scaled = block.ring.map(([x, y]) => [cx + (x - cx) * scale, cy + (y - cy) * scale] as XY);
  // Very short Voronoi edges would fold over once rounded to 6 decimals: drop their end points.
  const kept: XY[] = [scaled[0]!];
  for (const p of scaled.slice(1, -1)) if (Math.hypot(p[0] - kept.at(-1)![0], p[1] - kept.at(-1)![1]) >= MIN_EDGE_M) kept.push(p);
  while (kept.length > 3 && Math.hypot(kept.at(-1)![0] - kept[0]![0], kept.at(-1)![1] - kept[0]![1]) < MIN_EDGE_M) kept.pop();
  return [...kept, kept[0]!];
}

const MIN_EDGE_M = 2;

const TYPES = [
  { weight: 0.55, width: [34, 60], depth: [12, 16], gap: [16, 24], floors: [6, 18] },
  { weight: 0.3, width: [18, 26], depth: [18, 26], gap: [18, 26], floors: [18, 33] },
  { weight: 0.15, width: [10, 16], depth: [9, 12], gap: [7, 10], floors: [2, 4] },
] as const;

export function placeBuildings(random: Random, compound: XY[]): BuildingShape[] {
  const roll = random.next();
  let acc = 0;
  const type = TYPES.find((t) => (acc += t.weight) > roll) ?? TYPES[0];
  const width = random.range(type.width[0], type.width[1]);
  const depth = random.range(type.depth[0], type.depth[1]);
  const gap = random.range(type.gap[0], type.gap[1]);
  const angle = longestEdgeAngle(compound);
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const toUV = ([x, y]: XY): XY => [x * cos + y * sin, -x * sin + y * cos];
  const fromUV = ([u, v]: XY): XY => [u * cos - v * sin, u * sin + v * cos];
  const uv = compound.map(toUV);
  const [minU, maxU] = extent(uv.map((p) => p[0]));
  const [minV, maxV] = extent(uv.map((p) => p[1]));
  const stepU = width + gap;
  const stepV = depth + gap * 1.4;
  const nu = Math.max(1, Math.floor((maxU - minU) / stepU));
  const nv = Math.max(1, Math.floor((maxV - minV) / stepV));
  const u0 = (minU + maxU) / 2 - ((nu - 1) * stepU) / 2;
  const v0 = (minV + maxV) / 2 - ((nv - 1) * stepV) / 2;
  const result: BuildingShape[] = [];
  for (let j = 0; j < nv; j++) {
    for (let i = 0; i < nu; i++) {
      const [cu, cv] = [u0 + i * stepU, v0 + j * stepV];
      const corners: XY[] = [
        [cu - width / 2, cv - depth / 2],
        [cu + width / 2, cv - depth / 2],
        [cu + width / 2, cv + depth / 2],
        [cu - width / 2, cv + depth / 2],
      ].map((p) => fromUV(p as XY));
      if (!corners.every((c) => insideConvex(compound, c))) continue;
      if (result.length >= MAX_BUILDINGS_PER_COMPOUND) break;
      result.push({ ring: [...corners, corners[0]!], floors: random.int(type.floors[0], type.floors[1]), footprint: width * depth });
    }
  }
  if (result.length === 0) {
    // A compound too small or odd for the rows still has one low building in its middle.
    const side = Math.min(12, (maxU - minU) / 3, (maxV - minV) / 3);
    const [cu, cv] = toUV(centroidOf(compound));
    const corners = (
      [
        [-1, -1],
        [1, -1],
        [1, 1],
        [-1, 1],
      ] as const
    ).map(([a, b]) => fromUV([cu + (a * side) / 2, cv + (b * side) / 2]));
    result.push({ ring: [...corners, corners[0]!], floors: random.int(2, 4), footprint: side * side });
  }
  return result;
}

function centroidOf(ring: readonly XY[]): XY {
  const open = ring.slice(0, -1);
  return [open.reduce((s, p) => s + p[0], 0) / open.length, open.reduce((s, p) => s + p[1], 0) / open.length];
}

function longestEdgeAngle(ring: readonly XY[]): number {
  let best = 0;
  let angle = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [dx, dy] = [ring[i + 1]![0] - ring[i]![0], ring[i + 1]![1] - ring[i]![1]];
    if (dx * dx + dy * dy > best) [best, angle] = [dx * dx + dy * dy, Math.atan2(dy, dx)];
  }
  return angle;
}

/** Point inside a counter-clockwise convex ring (closed). */
function insideConvex(ring: readonly XY[], [px, py]: XY): boolean {
  for (let i = 0; i < ring.length - 1; i++) {
    const [ax, ay] = ring[i]!;
    const [bx, by] = ring[i + 1]!;
    if ((bx - ax) * (py - ay) - (by - ay) * (px - ax) <= 0) return false;
  }
  return true;
}

function extent(values: readonly number[]): [number, number] {
  return [Math.min(...values), Math.max(...values)];
}
