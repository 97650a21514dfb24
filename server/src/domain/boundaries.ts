/**
 * The boundary mesh the maps draw: every edge of the district, street, community and grid
 * polygons once, styled by the highest level it bounds (a street's edge is also a community's and
 * a grid's). Drawn as the polygons' own outlines, each inner edge went through the GPU up to six
 * times: twice per level, once for each unit on either side. The mesh has well under half the
 * segments of the outlines, which every frame of the map pays for.
 *
 * Edges are matched by exact coordinates, as the geography pipeline writes shared edges. Polygons
 * whose edges do not match (an imported grid file digitised separately) still come out complete,
 * only with those edges drawn once per side. Pure.
 */
import type { Position } from 'geojson';
import {
  BOUNDARY_LEVELS,
  type BoundaryCollection,
  type BoundaryFeature,
  type BoundaryLevel,
  type UnitFeature,
  type UnitLevel,
} from '../contract/geo.ts';

/** Higher bounds more: grid 0 … district 3. */
const rank = (level: BoundaryLevel): number => BOUNDARY_LEVELS.indexOf(level);
const isBoundaryLevel = (level: UnitLevel): level is BoundaryLevel => (BOUNDARY_LEVELS as readonly UnitLevel[]).includes(level);
const rings = (unit: UnitFeature): Position[][] =>
  unit.geometry.type === 'Polygon' ? unit.geometry.coordinates : unit.geometry.coordinates.flat();
/** The same key for an edge in either direction. */
function edgeKey(a: Position, b: Position): string {
  const p = `${a[0]},${a[1]}`;
  const q = `${b[0]},${b[1]}`;
  return p < q ? `${p} ${q}` : `${q} ${p}`;
}

export function boundaryMesh(units: readonly UnitFeature[]): BoundaryCollection {
  const levelled = units.filter((u) => isBoundaryLevel(u.properties.level));
  const top = new Map<string, number>();
  for (const unit of levelled) {
    const unitRank = rank(unit.properties.level as BoundaryLevel);
    for (const ring of rings(unit)) {
      for (let i = 1; i < ring.length; i++) {
        const key = edgeKey(ring[i - 1]!, ring[i]!);
        if ((top.get(key) ?? -1) < unitRank) top.set(key, unitRank);
      }
    }
  }
  const drawn = new Set<string>();
  const features: BoundaryFeature[] = [];
  for (const unit of levelled) {
    const level = unit.properties.level as BoundaryLevel;
    const unitRank = rank(level);
    for (const ring of rings(unit)) {
      const n = ring.length - 1; // closed: the last position repeats the first
      const keys = Array.from({ length: n }, (_, i) => edgeKey(ring[i]!, ring[i + 1]!));
      // This unit draws an edge if its level is the edge's highest and no unit has drawn it yet.
      const mine = keys.map((k) => top.get(k) === unitRank && !drawn.has(k));
      keys.forEach((k, i) => mine[i] && drawn.add(k));
      if (n > 0 && mine.every(Boolean)) {
        features.push({ type: 'Feature', properties: { level }, geometry: { type: 'Polygon', coordinates: [ring] } });
        continue;
      }
      // Walk from an edge this unit does not draw, so that no run is cut where the ring closes.
      const start = mine.indexOf(false);
      let run: Position[] = [];
      const flush = (): void => {
        if (run.length > 1) features.push({ type: 'Feature', properties: { level }, geometry: { type: 'LineString', coordinates: run } });
        run = [];
      };
      for (let step = 1; step <= n; step++) {
        const i = (start + step) % n;
        if (!mine[i]) {
          flush();
          continue;
        }
        if (!run.length) run.push(ring[i]!);
        run.push(ring[i + 1]!);
      }
      flush();
    }
  }
  return { type: 'FeatureCollection', features };
}
