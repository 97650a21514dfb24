/**
 * Point → unit location over a set of polygons: a Flatbush R-tree on bounding boxes narrows 304
 * grids to one or two candidates, then an exact point-in-polygon test decides. A point on an edge
 * shared by two units belongs to the one with the lowest code, so every point has one owner.
 */
import Flatbush from 'flatbush';
import inside from 'point-in-polygon-hao';
import type { Position } from 'geojson';
import type { UnitFeature } from '../contract/geo.ts';

export interface Locator {
  /** The unit containing the point (boundary included), lowest code on shared edges; null outside all. */
  locate(lng: number, lat: number): UnitFeature | null;
}

export function createLocator(units: readonly UnitFeature[]): Locator {
  const sorted = [...units].sort((a, b) => (a.properties.code < b.properties.code ? -1 : 1));
  const rings = sorted.map(polygonsOf);
  const index = new Flatbush(Math.max(sorted.length, 1));
  for (const polygons of rings) {
    const [minX, minY, maxX, maxY] = bboxOf(polygons);
    index.add(minX, minY, maxX, maxY);
  }
  if (sorted.length === 0) index.add(0, 0, 0, 0);
  index.finish();
  return {
    locate(lng, lat) {
      if (!Number.isFinite(lng) || !Number.isFinite(lat) || sorted.length === 0) return null;
      // Items were added in code order, so the lowest index that contains the point wins ties;
      // the filter tests each bounding-box candidate in place, without building a result list.
      let best = -1;
      const point = [lng, lat];
      index.search(lng, lat, lng, lat, (i) => {
        if ((best < 0 || i < best) && containsPoint(rings[i]!, point)) best = i;
        return false;
      });
      return best < 0 ? null : sorted[best]!;
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
