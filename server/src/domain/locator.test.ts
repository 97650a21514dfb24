import * as turf from '@turf/turf';
import { describe, expect, it } from 'vitest';
import { createRandom } from './random.ts';
import { readGeographySet } from '../store/geography-files.ts';
import { DEMO_GEOGRAPHY_DIR } from '../cli/geo-file.ts';
import type { UnitFeature } from '../contract/geo.ts';
import { createGeography } from './geography.ts';
import { createLocator } from './locator.ts';

const { geography: data, organisation } = readGeographySet(DEMO_GEOGRAPHY_DIR);
const geo = createGeography(data, organisation.partyOrgs);
const grids = data.grids.features;

/** The reference answer: every grid tested with turf, lowest code among the hits. */
function bruteForce(lng: number, lat: number): string | null {
  const hits = grids
    .filter((g) => turf.booleanPointInPolygon([lng, lat], g))
    .map((g) => g.properties.code)
    .sort();
  return hits[0] ?? null;
}

describe('gridAt', () => {
  it('agrees with a brute-force loop on 10,000 random points over and around the city', () => {
    const [minX, minY, maxX, maxY] = turf.bbox(data.streets);
    const random = createRandom(7);
    let inside = 0;
    for (let i = 0; i < 10_000; i++) {
      const lng = random.range(minX - 0.01, maxX + 0.01);
      const lat = random.range(minY - 0.01, maxY + 0.01);
      const expected = bruteForce(lng, lat);
      expect(geo.gridAt(lng, lat)?.properties.code ?? null, `${lng},${lat}`).toBe(expected);
      if (expected) inside++;
    }
    expect(inside).toBeGreaterThan(4000); // the sample must exercise both answers
    expect(inside).toBeLessThan(10_000);
  });

  it('gives a point on an edge shared by two grids to the lower code, as the brute force does', () => {
    let checked = 0;
    for (const a of grids.slice(0, 40)) {
      for (const vertex of a.geometry.coordinates[0] as number[][]) {
        const owners = grids
          .filter((g) => turf.booleanPointInPolygon(vertex, g))
          .map((g) => g.properties.code)
          .sort();
        if (owners.length < 2) continue;
        expect(geo.gridAt(vertex[0]!, vertex[1]!)?.properties.code).toBe(owners[0]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('returns null outside every grid and for coordinates that are not numbers', () => {
    expect(geo.gridAt(111.3, 26.1)).toBeNull();
    expect(geo.gridAt(Number.NaN, 26.43)).toBeNull();
    expect(geo.gridAt(111.6, Number.POSITIVE_INFINITY)).toBeNull();
  });

  it('handles no units, one unit, and a point on the far edge of the extent', () => {
    expect(createLocator([]).locate(111.6, 26.4)).toBeNull();
    const square = (code: string, x: number): UnitFeature =>
      ({
        type: 'Feature',
        properties: { code, name: code, level: 'grid', parent: null },
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [x, 0],
              [x + 1, 0],
              [x + 1, 1],
              [x, 1],
              [x, 0],
            ],
          ],
        },
      }) as unknown as UnitFeature;
    expect(createLocator([square('B', 0)]).locate(1, 1)?.properties.code).toBe('B');
    const two = createLocator([square('B', 1), square('A', 0)]);
    expect(two.locate(1, 0.5)?.properties.code).toBe('A'); // the shared edge: the lower code
    expect(two.locate(2, 1)?.properties.code).toBe('B'); // the extent's far corner
    expect(two.locate(2.0001, 1)).toBeNull();
  });
});

describe('geography hierarchies', () => {
  const grid = grids.find((g) => g.properties.code === '431103003004001') as UnitFeature;

  it('walks the administrative chain up and down', () => {
    expect(geo.unit('431103003004001')?.properties.name).toBe('通化街社区第一网格');
    expect(geo.lineage(grid.properties.code).map((u) => u.properties.code)).toEqual([
      '431103',
      '431103003',
      '431103003004',
      '431103003004001',
    ]);
    expect(geo.parent('431103003004')?.properties.name).toBe('肖家园街道');
    expect(geo.children('431103').map((u) => u.properties.code)).toEqual([
      '431103001',
      '431103002',
      '431103003',
      '431103004',
      '431103005',
      '431103006',
      '431103007',
      '431103008',
      '431103009',
    ]);
    const compounds = geo.children(grid.properties.code);
    expect(compounds.length).toBeGreaterThan(0);
    expect(geo.children(compounds[0]!.properties.code).every((b) => b.properties.level === 'building')).toBe(true);
    expect(geo.unit('431103999999')).toBeUndefined();
    expect(geo.parent('431103')).toBeUndefined();
  });

  it('walks the party chain from a grid branch to the district committee and back', () => {
    const branch = geo.partyOrgOf(grid.properties.code)!;
    expect(branch.kind).toBe('grid-branch');
    expect(branch.name).toBe('通化街社区第一网格党支部');
    const chain = [branch];
    for (let o = geo.partyParent(branch.id); o; o = geo.partyParent(o.id)) chain.push(o);
    expect(chain.map((o) => o.kind)).toEqual(['grid-branch', 'community-committee', 'street-working-committee', 'district-committee']);
    expect(geo.partyChildren(chain[1]!.id).map((o) => o.unitCode)).toEqual(geo.children('431103003004').map((u) => u.properties.code));
    expect(geo.partyChildren(branch.id).every((o) => o.kind === 'party-group')).toBe(true);
  });

  it('locates a point to its owning grid branch', () => {
    const [lng, lat] = turf.pointOnFeature(grid).geometry.coordinates;
    expect(geo.branchAt(lng!, lat!)?.id).toBe(`P${grid.properties.code}`);
    expect(geo.branchAt(111.3, 26.1)).toBeNull();
  });
});
