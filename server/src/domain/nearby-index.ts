/**
 * Which items lie within r metres of a point, by bucket: points go into square cells a little
 * larger than r (per kind), so every item within r is in the 3 × 3 cells around the query point.
 * Used for duplicate detection, which before this scanned every open case per report (O(open);
 * with 7,000 open cases it cost more than the durable write — bench/ingest.ts).
 */
import { metresBetween } from './datum.ts';

const METRES_PER_DEGREE_LAT = 110_574;
const METRES_PER_DEGREE_LNG_EQUATOR = 111_320;

export interface NearbyIndex<T> {
  /** Adds or moves an item (by id). */
  set(id: string, kind: string, lng: number, lat: number, item: T): void;
  delete(id: string): void;
  /** Items of this kind within radius metres (the radius given at creation or less). */
  within(kind: string, lng: number, lat: number, radiusM: number): T[];
  readonly size: number;
}

export function createNearbyIndex<T>(radiusM: number, referenceLat = 26.4): NearbyIndex<T> {
  const cellM = Math.max(1, radiusM) * 1.1; // the margin covers the change of scale with latitude
  const lngScale = METRES_PER_DEGREE_LNG_EQUATOR * Math.cos((referenceLat * Math.PI) / 180);
  const cellOf = (lng: number, lat: number): [number, number] => [Math.floor((lng * lngScale) / cellM), Math.floor((lat * METRES_PER_DEGREE_LAT) / cellM)];
  const cells = new Map<string, Map<string, { lng: number; lat: number; item: T }>>();
  const where = new Map<string, string>(); // id → cell key
  const remove = (id: string): void => {
    const key = where.get(id);
    if (key === undefined) return;
    const cell = cells.get(key)!;
    cell.delete(id);
    if (cell.size === 0) cells.delete(key);
    where.delete(id);
  };
  return {
    set(id, kind, lng, lat, item) {
      remove(id);
      const [x, y] = cellOf(lng, lat);
      const key = `${kind}|${x}|${y}`;
      let cell = cells.get(key);
      if (!cell) cells.set(key, (cell = new Map()));
      cell.set(id, { lng, lat, item });
      where.set(id, key);
    },
    delete: remove,
    within(kind, lng, lat, r) {
      const [x, y] = cellOf(lng, lat);
      const out: T[] = [];
      for (let dx = -1; dx <= 1; dx++) {
        for (let dy = -1; dy <= 1; dy++) {
          const cell = cells.get(`${kind}|${x + dx}|${y + dy}`);
          if (!cell) continue;
          for (const e of cell.values()) if (Math.hypot(...metresBetween([lng, lat], [e.lng, e.lat])) <= r) out.push(e.item);
        }
      }
      return out;
    },
    get size() {
      return where.size;
    },
  };
}
