/**
 * Splits a connected set of cells into contiguous regions of target sizes: seeded region growing
 * on the adjacency graph, refined by a few Lloyd rounds (seeds move to their region's middle).
 * Growing only across shared edges keeps every region contiguous, which is what makes the unions
 * of cells clean polygons at every level.
 */
import type { XY } from './projection.ts';

export interface CellGraph {
  position(cell: number): XY;
  neighbors(cell: number): readonly number[];
}

/** Returns one array of cells per target, in target order. Every region holds at least its seed. */
export function partitionCells(cells: readonly number[], graph: CellGraph, targets: readonly number[], rounds = 6): number[][] {
  if (targets.length > cells.length) throw new Error(`cannot split ${cells.length} cells into ${targets.length} regions`);
  let seeds = farthestPointSeeds(cells, graph, targets.length);
  let regions = growRegions(cells, graph, seeds, targets);
  for (let r = 0; r < rounds; r++) {
    seeds = regions.map((region) => nearestTo(region, graph, mean(region.map((c) => graph.position(c)))));
    regions = growRegions(cells, graph, seeds, targets);
  }
  return regions;
}

function growRegions(cells: readonly number[], graph: CellGraph, seeds: number[], targets: readonly number[]): number[][] {
  const member = new Set(cells);
  const owner = new Map<number, number>();
  const regions: number[][] = seeds.map(() => []);
  const frontiers: Set<number>[] = seeds.map(() => new Set());
  const seedPos = seeds.map((s) => graph.position(s));
  const claim = (cell: number, region: number): void => {
    owner.set(cell, region);
    regions[region]!.push(cell);
    for (const f of frontiers) f.delete(cell);
    for (const n of graph.neighbors(cell)) if (member.has(n) && !owner.has(n)) frontiers[region]!.add(n);
  };
  seeds.forEach((s, i) => claim(s, i));
  while (owner.size < member.size) {
    let best = -1;
    let bestRatio = Infinity;
    for (let i = 0; i < regions.length; i++) {
      if (frontiers[i]!.size === 0) continue;
      const ratio = regions[i]!.length / targets[i]!;
      if (ratio < bestRatio) [best, bestRatio] = [i, ratio];
    }
    if (best < 0) throw new Error('cells are not connected: some cannot be reached from any seed');
    let pick = -1;
    let pickDist = Infinity;
    for (const c of frontiers[best]!) {
      const d = dist2(graph.position(c), seedPos[best]!);
      if (d < pickDist || (d === pickDist && c < pick)) [pick, pickDist] = [c, d];
    }
    claim(pick, best);
  }
  return regions;
}

function farthestPointSeeds(cells: readonly number[], graph: CellGraph, k: number): number[] {
  // Start in the north-west corner so the layout does not depend on cell numbering.
  let first = cells[0]!;
  for (const c of cells) {
    const [x, y] = graph.position(c);
    const [bx, by] = graph.position(first);
    if (y - x > by - bx) first = c;
  }
  const seeds = [first];
  const nearest = new Map(cells.map((c) => [c, dist2(graph.position(c), graph.position(first))]));
  while (seeds.length < k) {
    let far = -1;
    let farDist = -1;
    for (const c of cells) if (nearest.get(c)! > farDist) [far, farDist] = [c, nearest.get(c)!];
    seeds.push(far);
    for (const c of cells) nearest.set(c, Math.min(nearest.get(c)!, dist2(graph.position(c), graph.position(far))));
  }
  return seeds;
}

/** The cell of `cells` nearest to `point`. */
export function nearestTo(cells: readonly number[], graph: CellGraph, point: XY): number {
  let best = cells[0]!;
  for (const c of cells) if (dist2(graph.position(c), point) < dist2(graph.position(best), point)) best = c;
  return best;
}

export function mean(points: readonly XY[]): XY {
  let x = 0;
  let y = 0;
  for (const p of points) [x, y] = [x + p[0], y + p[1]];
  return [x / points.length, y / points.length];
}

function dist2(a: XY, b: XY): number {
  return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2;
}
