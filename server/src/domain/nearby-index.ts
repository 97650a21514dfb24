/**
 * Which items lie within r metres of a point, by bucket: points go into square cells a little
 * larger than r (per kind), so every item within r is in the 3 × 3 cells around the query point.
 * Used for duplicate detection on every report, which must not cost in proportion to the open
 * cases (a scan of every open case cost more than the durable write under ingest load).
 */
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
  interface Entry {
    lng: number;
    lat: number;
    item: T;
  }
  const cellM = Math.max(1, radiusM) * 1.1; // the margin covers the change of scale with latitude
  const lngScale = METRES_PER_DEGREE_LNG_EQUATOR * Math.cos((referenceLat * Math.PI) / 180);
  // A cell's key is one number, x · 2^21 + y (the district's cells are far inside ±2^20): no
  // strings are built per lookup, which runs for every report.
  const keyOf = (x: number, y: number): number => x * 2_097_152 + y;
  const cellX = (lng: number): number => Math.floor((lng * lngScale) / cellM);
  const cellY = (lat: number): number => Math.floor((lat * METRES_PER_DEGREE_LAT) / cellM);
  const kinds = new Map<string, Map<number, Map<string, Entry>>>();
  const where = new Map<string, { cells: Map<number, Map<string, Entry>>; key: number }>(); // id → its cell
  const remove = (id: string): void => {
    const at = where.get(id);
    if (!at) return;
    const cell = at.cells.get(at.key)!;
    cell.delete(id);
    if (cell.size === 0) at.cells.delete(at.key);
    where.delete(id);
  };
  return {
    set(id, kind, lng, lat, item) {
      remove(id);
      let cells = kinds.get(kind);
      if (!cells) kinds.set(kind, (cells = new Map()));
      const key = keyOf(cellX(lng), cellY(lat));
      let cell = cells.get(key);
      if (!cell) cells.set(key, (cell = new Map()));
      cell.set(id, { lng, lat, item });
      where.set(id, { cells, key });
    },
    delete: remove,
    within(kind, lng, lat, r) {
      const cells = kinds.get(kind);
      const out: T[] = [];
      if (!cells) return out;
      const [x, y] = [cellX(lng), cellY(lat)];
      for (let dx = -1; dx <= 1; dx++) {
        for (let dy = -1; dy <= 1; dy++) {
          const cell = cells.get(keyOf(x + dx, y + dy));
          if (!cell) continue;
          for (const e of cell.values()) {
            // metresBetween (datum.ts) inline, the same arithmetic: no arrays per candidate.
            const midLat = ((lat + e.lat) / 2) * (Math.PI / 180);
            if (Math.hypot((e.lng - lng) * METRES_PER_DEGREE_LNG_EQUATOR * Math.cos(midLat), (e.lat - lat) * METRES_PER_DEGREE_LAT) <= r)
              out.push(e.item);
          }
        }
      }
      return out;
    },
    get size() {
      return where.size;
    },
  };
}
