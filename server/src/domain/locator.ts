/**
 * Point → unit location over a set of polygons. A uniform grid of cells over the units' extent (about
 * 16 cells per unit) lists, for each cell, the units whose bounding box meets it, in code order; a
 * point's cell gives its few candidates, each checked by bounding box and then by an exact
 * point-in-polygon test, and the first that contains the point is the answer. A point on an edge
 * shared by two units belongs to the one with the lowest code, so every point has one owner.
 * The cells replaced a Flatbush R-tree, whose search was most of a lookup
 * (docs/decisions/locator-cells.md).
 */
import inside from 'point-in-polygon-hao';
import type { Position } from 'geojson';
import type { UnitFeature } from '../contract/geo.ts';

export interface Locator {
  /** The unit containing the point (boundary included), lowest code on shared edges; null outside all. */
  locate(lng: number, lat: number): UnitFeature | null;
}

const CELLS_PER_UNIT = 16;

export function createLocator(units: readonly UnitFeature[]): Locator {
  const sorted = [...units].sort((a, b) => (a.properties.code < b.properties.code ? -1 : 1));
  const rings = sorted.map(polygonsOf);
  const boxes = new Float64Array(sorted.length * 4);
  rings.forEach((polygons, i) => boxes.set(bboxOf(polygons), i * 4));
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < sorted.length; i++) {
    minX = Math.min(minX, boxes[i * 4]!);
    minY = Math.min(minY, boxes[i * 4 + 1]!);
    maxX = Math.max(maxX, boxes[i * 4 + 2]!);
    maxY = Math.max(maxY, boxes[i * 4 + 3]!);
  }
  // Square-ish cells, about CELLS_PER_UNIT of them per unit.
  const side = Math.sqrt(((maxX - minX) * (maxY - minY)) / Math.max(1, sorted.length * CELLS_PER_UNIT)) || 1;
  const columns = Math.max(1, Math.ceil((maxX - minX) / side));
  const rows = Math.max(1, Math.ceil((maxY - minY) / side));
  const cellX = (x: number): number => Math.min(columns - 1, Math.floor((x - minX) / side));
  const cellY = (y: number): number => Math.min(rows - 1, Math.floor((y - minY) / side));
  // Each cell's candidates, in code order, packed: cell c's are items[starts[c] .. starts[c + 1]).
  const counts = new Uint32Array(columns * rows + 1);
  const eachCell = (i: number, visit: (cell: number) => void): void => {
    for (let cy = cellY(boxes[i * 4 + 1]!); cy <= cellY(boxes[i * 4 + 3]!); cy++) {
      for (let cx = cellX(boxes[i * 4]!); cx <= cellX(boxes[i * 4 + 2]!); cx++) visit(cy * columns + cx);
    }
  };
  for (let i = 0; i < sorted.length; i++) eachCell(i, (c) => counts[c + 1]!++);
  const starts = new Uint32Array(columns * rows + 1);
  for (let c = 0; c < columns * rows; c++) starts[c + 1] = starts[c]! + counts[c + 1]!;
  const items = new Uint32Array(starts[columns * rows]!);
  const filled = starts.slice(0, columns * rows);
  for (let i = 0; i < sorted.length; i++) eachCell(i, (c) => (items[filled[c]!++] = i));
  const point: [number, number] = [0, 0];
  return {
    locate(lng, lat) {
      if (!(lng >= minX && lng <= maxX && lat >= minY && lat <= maxY)) return null; // also NaN and ±Infinity
      const cell = cellY(lat) * columns + cellX(lng);
      point[0] = lng;
      point[1] = lat;
      for (let k = starts[cell]!; k < starts[cell + 1]!; k++) {
        const i = items[k]!;
        if (lng < boxes[i * 4]! || lat < boxes[i * 4 + 1]! || lng > boxes[i * 4 + 2]! || lat > boxes[i * 4 + 3]!) continue;
        if (containsPoint(rings[i]!, point)) return sorted[i]!; // the lowest code: candidates are in code order
      }
      return null;
    },
  };
}

/** Exact test with the boundary counted as inside (the same rule turf's booleanPointInPolygon uses). */
export function containsPoint(polygons: readonly Position[][][], point: Position): boolean {
  return polygons.some((rings) => inside(point, rings as Position[][]) !== false);
}

export function polygonsOf(unit: UnitFeature): Position[][][] {
  return unit.geometry.type === 'Polygon' ? [unit.geometry.coordinates] : unit.geometry.coordinates;
}

function bboxOf(polygons: readonly Position[][][]): [number, number, number, number] {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const polygon of polygons) {
    for (const [x, y] of polygon[0]!) {
      if (x! < minX) minX = x!;
      if (x! > maxX) maxX = x!;
      if (y! < minY) minY = y!;
      if (y! > maxY) maxY = y!;
    }
  }
  return [minX, minY, maxX, maxY];
}
