import type { Position } from 'geojson';
import { describe, expect, it } from 'vitest';
import { DEMO_GEOGRAPHY_DIR } from '../cli/geo-file.ts';
import type { BoundaryCollection, BoundaryLevel, UnitFeature, UnitLevel } from '../contract/geo.ts';
import { readGeographySet } from '../store/geography-files.ts';
import { boundaryMesh } from './boundaries.ts';

const unit = (code: string, level: UnitLevel, ...rings: Position[][]): UnitFeature => ({
  type: 'Feature',
  properties: { code, name: code, level, parentCode: null, area: 0, households: 0, population: 0, partyMembers: 0 },
  geometry: { type: 'Polygon', coordinates: rings },
});
const square = (x: number, y: number, size = 1): Position[] => [
  [x, y],
  [x + size, y],
  [x + size, y + size],
  [x, y + size],
  [x, y],
];

/** Every drawn edge as "a b" (direction-free) with its level; a repeated edge fails the test. */
function drawnEdges(mesh: BoundaryCollection): Map<string, BoundaryLevel> {
  const edges = new Map<string, BoundaryLevel>();
  for (const f of mesh.features) {
    const lines = f.geometry.type === 'Polygon' ? f.geometry.coordinates : [f.geometry.coordinates];
    for (const line of lines) {
      for (let i = 1; i < line.length; i++) {
        const [p, q] = [String(line[i - 1]), String(line[i])].sort();
        const key = `${p} ${q}`;
        expect(edges.has(key), `edge ${key} drawn twice`).toBe(false);
        edges.set(key, f.properties.level);
      }
    }
  }
  return edges;
}

describe('boundaryMesh', () => {
  it('draws an edge two grids share once, and their outer edges at the community level', () => {
    const community = unit('C', 'community', [
      [0, 0],
      [1, 0],
      [2, 0],
      [2, 1],
      [1, 1],
      [0, 1],
      [0, 0],
    ]);
    const edges = drawnEdges(boundaryMesh([unit('G1', 'grid', square(0, 0)), unit('G2', 'grid', square(1, 0)), community]));
    expect(edges.get('1,0 1,1')).toBe('grid');
    expect([...edges].filter(([, level]) => level === 'grid')).toHaveLength(1);
    expect([...edges].filter(([, level]) => level === 'community')).toHaveLength(6);
  });

  it('still draws every edge of polygons whose shared edges do not match vertex for vertex', () => {
    // The community lacks the grids' vertices at (1,0) and (1,1): nothing is lost, some edges overlap.
    const community = unit('C', 'community', [
      [0, 0],
      [2, 0],
      [2, 1],
      [0, 1],
      [0, 0],
    ]);
    const edges = drawnEdges(boundaryMesh([community, unit('G1', 'grid', square(0, 0)), unit('G2', 'grid', square(1, 0))]));
    expect(edges.get('0,0 2,0')).toBe('community');
    expect(edges.get('0,0 1,0')).toBe('grid');
    expect(edges.get('0,0 0,1')).toBe('community');
    expect(edges.size).toBe(9);
  });

  it('styles an edge by the highest level it bounds, whatever the order of the units', () => {
    const street = unit('S', 'street', square(0, 0, 2));
    const grid = unit('G', 'grid', [
      [0, 0],
      [2, 0],
      [2, 2],
      [1, 2],
      [1, 1],
      [0, 1],
      [0, 0],
    ]);
    for (const units of [
      [street, grid],
      [grid, street],
    ]) {
      const edges = drawnEdges(boundaryMesh(units));
      expect(edges.get('0,0 2,0')).toBe('street');
      expect(edges.get('2,0 2,2')).toBe('street');
      expect(edges.get('1,1 1,2')).toBe('grid');
      expect(edges.get('0,1 1,1')).toBe('grid');
    }
  });

  it('keeps a ring wholly of one unit closed, and does not cut a run where a ring starts', () => {
    const district = unit('D', 'district', square(0, 0, 4));
    expect(boundaryMesh([district]).features).toEqual([
      { type: 'Feature', properties: { level: 'district' }, geometry: { type: 'Polygon', coordinates: [square(0, 0, 4)] } },
    ]);
    // The grid's ring starts at (1,1), inside the stretch it draws itself: one run, not two.
    const street = unit('S', 'street', [
      [0, 0],
      [1, 0],
      [2, 0],
      [2, 1],
      [2, 2],
      [0, 2],
      [0, 0],
    ]);
    const grid = unit('G', 'grid', [
      [1, 1],
      [2, 1],
      [2, 2],
      [0, 2],
      [0, 0],
      [1, 0],
      [1, 1],
    ]);
    const gridRuns = boundaryMesh([street, grid]).features.filter((f) => f.properties.level === 'grid');
    expect(gridRuns.map((f) => f.geometry.coordinates)).toEqual([
      [
        [1, 0],
        [1, 1],
        [2, 1],
      ],
    ]);
  });

  it('takes multipolygons and holes, and leaves compounds and buildings out', () => {
    const multi: UnitFeature = {
      ...unit('C', 'community'),
      geometry: { type: 'MultiPolygon', coordinates: [[square(0, 0, 3), square(1, 1)], [square(5, 5)]] },
    };
    const mesh = boundaryMesh([multi, unit('B', 'building', square(10, 10))]);
    expect(mesh.features).toHaveLength(3);
    expect(drawnEdges(mesh).size).toBe(12);
  });

  it('on the demo geography draws every edge exactly once, at the highest level that has it', () => {
    const { geography } = readGeographySet(DEMO_GEOGRAPHY_DIR);
    const units = [geography.district, ...geography.streets.features, ...geography.communities.features, ...geography.grids.features];
    const RANK = { grid: 0, community: 1, street: 2, district: 3 } as const;
    const expected = new Map<string, BoundaryLevel>();
    let outlineEdges = 0;
    for (const u of units) {
      const level = u.properties.level as BoundaryLevel;
      const rings = u.geometry.type === 'Polygon' ? u.geometry.coordinates : u.geometry.coordinates.flat();
      for (const ring of rings) {
        for (let i = 1; i < ring.length; i++) {
          outlineEdges++;
          const [p, q] = [String(ring[i - 1]), String(ring[i])].sort();
          const before = expected.get(`${p} ${q}`);
          if (!before || RANK[before] < RANK[level]) expected.set(`${p} ${q}`, level);
        }
      }
    }
    const mesh = boundaryMesh(units);
    expect(drawnEdges(mesh)).toEqual(expected);
    // The point of it: far fewer edges than the outlines, in long runs rather than edge by edge.
    expect(expected.size).toBeLessThan(outlineEdges / 2);
    expect(mesh.features.length).toBeLessThan(expected.size / 5);
  });
});
