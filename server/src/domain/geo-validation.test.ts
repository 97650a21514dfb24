import * as turf from '@turf/turf';
import { describe, expect, it } from 'vitest';
import { DEMO_GEOGRAPHY_DIR } from '../cli/geo-file.ts';
import type { UnitFeature } from '../contract/geo.ts';
import { readGeographySet } from '../store/geography-files.ts';
import { convertGeometry } from './datum.ts';
import { validateGeographyFile, type ValidationOptions } from './geo-validation.ts';

const { geography: g } = readGeographySet(DEMO_GEOGRAPHY_DIR);
const reference = [...g.streets.features, ...g.communities.features, ...g.grids.features];
const options: ValidationOptions = { district: g.district, reference, expectedGrids: 304 };

/** A fresh deep copy of the installed streets, communities and grids: a valid surveyed file. */
function surveyed(): UnitFeature[] {
  return structuredClone([...g.streets.features, ...g.communities.features, ...g.grids.features]);
}
const text = (features: unknown[]): string => JSON.stringify({ type: 'FeatureCollection', features });
const gridOf = (features: UnitFeature[], code: string): UnitFeature => features.find((f) => f.properties.code === code)!;
const ring = (f: UnitFeature): number[][] => (f.geometry.coordinates as number[][][])[0]!;
const validate = (features: unknown[], extra: Partial<ValidationOptions> = {}) =>
  validateGeographyFile(text(features), { ...options, ...extra });

describe('geography file validation', () => {
  it('accepts the installed set written out as a surveyed file', () => {
    const result = validate(surveyed());
    expect(result.issues).toEqual([]);
    expect(result.counts).toEqual({ street: 9, community: 20, grid: 304 });
  });

  it('rejects invalid JSON with the parser message', () => {
    const result = validateGeographyFile('{"type":"FeatureCollection","features":[', options);
    expect(result.ok).toBe(false);
    expect(result.issues[0]).toMatchObject({ kind: 'invalid-json', feature: '#file' });
    expect(result.units).toEqual([]);
  });

  it('rejects something that is not a FeatureCollection', () => {
    expect(validateGeographyFile('{"type":"Feature"}', options).issues[0]!.kind).toBe('not-a-feature-collection');
  });

  it('names a grid that overlaps its neighbours', () => {
    const features = surveyed();
    // Push one vertex outward into the neighbouring grids.
    const grid = gridOf(features, '431103003004005');
    const centre = turf.centroid(grid).geometry.coordinates;
    const r = ring(grid);
    const k = 1;
    r[k] = [r[k]![0]! + (r[k]![0]! - centre[0]!) * 0.5, r[k]![1]! + (r[k]![1]! - centre[1]!) * 0.5];
    const issues = validate(features).issues;
    expect(issues.some((i) => i.kind === 'overlap' && i.message.includes('grid 431103003004005'))).toBe(true);
  });

  it('names the community with a gap when a grid is pulled in', () => {
    const features = surveyed();
    const grid = gridOf(features, '431103007001003');
    const centre = turf.centroid(grid).geometry.coordinates;
    const shrunk = ring(grid).map(([x, y]) => [centre[0]! + (x! - centre[0]!) * 0.8, centre[1]! + (y! - centre[1]!) * 0.8]);
    grid.geometry = turf.polygon([shrunk]).geometry;
    const gaps = validate(features).issues.filter((i) => i.kind === 'gap');
    expect(gaps).toHaveLength(1);
    expect(gaps[0]!.feature).toBe('431103007001');
    expect(gaps[0]!.message).toMatch(/gap of [\d.]+ k?m² not covered by any grid, near 111\.\d+,26\.\d+/);
  });

  it('names a grid that reaches outside its community', () => {
    const features = surveyed();
    // Grid 001 of 凌云 is recoded into 长冲: same shape, wrong community.
    const grid = gridOf(features, '431103007001001');
    grid.properties.code = '431103007002099';
    const issues = validate(features, { expectedGrids: undefined }).issues;
    expect(issues.find((i) => i.kind === 'outside-parent')?.feature).toBe('431103007002099');
    expect(issues.find((i) => i.kind === 'gap')?.feature).toBe('431103007001');
  });

  it('names malformed, duplicate and orphan codes', () => {
    const features = surveyed();
    gridOf(features, '431103001006001').properties.code = '43110300100601';
    gridOf(features, '431103001006002').properties.code = '431103001006003';
    gridOf(features, '431103001006004').properties.code = '431103001999004';
    const issues = validate(features).issues;
    expect(issues).toContainEqual(expect.objectContaining({ kind: 'malformed-code', feature: '43110300100601' }));
    expect(issues).toContainEqual(expect.objectContaining({ kind: 'duplicate-code', feature: '431103001006003' }));
    expect(issues).toContainEqual(expect.objectContaining({ kind: 'unknown-parent', feature: '431103001999004' }));
  });

  it('names a self-intersecting ring (a bow tie) and where it crosses', () => {
    const features = surveyed();
    const grid = gridOf(features, '431103005004002');
    const r = ring(grid);
    const mid = Math.floor(r.length / 2);
    [r[1], r[mid]] = [r[mid]!, r[1]!];
    const issue = validate(features).issues.find((i) => i.kind === 'self-intersection');
    expect(issue?.feature).toBe('431103005004002');
    expect(issue?.message).toMatch(/crosses itself/);
  });

  it('names broken geometry: unclosed ring, non-numeric coordinate, wrong type', () => {
    const features = surveyed();
    ring(gridOf(features, '431103006006001')).pop();
    ring(gridOf(features, '431103006006002'))[0] = ['111.6', 26.4] as unknown as number[];
    (gridOf(features, '431103006006003') as { geometry: unknown }).geometry = { type: 'Point', coordinates: [111.6, 26.4] };
    const invalid = validate(features)
      .issues.filter((i) => i.kind === 'invalid-geometry')
      .map((i) => i.feature);
    expect(invalid).toEqual(['431103006006001', '431103006006002', '431103006006003']);
  });

  it('reports a wrong number of grids, and a community left without grids', () => {
    const features = surveyed().filter((f) => !f.properties.code.startsWith('431103009008') || f.properties.level !== 'grid');
    const issues = validate(features).issues;
    expect(issues).toContainEqual(expect.objectContaining({ kind: 'wrong-count', feature: '#file' }));
    expect(issues).toContainEqual(expect.objectContaining({ kind: 'wrong-count', feature: '431103009008' }));
  });

  it('suspects GCJ-02 in a copy shifted as AMap data is, and accepts it once converted', () => {
    const shifted = surveyed().map((f) => ({ ...f, geometry: convertGeometry(f.geometry, 'wgs84', 'gcj02') }));
    const result = validate(shifted);
    const issue = result.issues.find((i) => i.kind === 'datum-suspect');
    expect(issue?.message).toMatch(/GCJ02.*--from-datum gcj02/);
    expect(issue?.message).toMatch(/shifted \d{3} m/);
    const converted = validate(shifted, { fromDatum: 'gcj02' });
    expect(converted.issues.filter((i) => i.kind === 'datum-suspect')).toEqual([]);
    // Back within a metre of where it was.
    const back = converted.units.find((u) => u.properties.code === '431103001006001')!;
    const orig = g.grids.features.find((u) => u.properties.code === '431103001006001')!;
    expect(turf.distance(turf.centroid(back), turf.centroid(orig), { units: 'meters' })).toBeLessThan(1);
  });

  it('suspects BD-09 in a Baidu-shifted copy', () => {
    const shifted = surveyed().map((f) => ({ ...f, geometry: convertGeometry(f.geometry, 'wgs84', 'bd09') }));
    expect(validate(shifted).issues.find((i) => i.kind === 'datum-suspect')?.message).toMatch(/BD09.*--from-datum bd09/);
  });

  it('suspects GCJ-02 from the district outline when nothing installed shares its codes', () => {
    // A small community just inside the district's edge, written in GCJ-02, sticks out of the outline.
    const square = ([x, y]: number[], h: number) =>
      turf.polygon([
        [
          [x! - h, y! - h],
          [x! + h, y! - h],
          [x! + h, y! + h],
          [x! - h, y! + h],
          [x! - h, y! - h],
        ],
      ]).geometry;
    const edge = (g.district.geometry.coordinates as number[][][][])[0]![0]!
      .map((v) => square([v[0]! - 0.004, v[1]!], 0.001))
      .find(
        (sq) =>
          turf.booleanWithin(turf.feature(sq), g.district) &&
          !turf.booleanWithin(turf.feature(convertGeometry(sq, 'wgs84', 'gcj02')), g.district),
      );
    expect(edge).toBeDefined();
    const feature = {
      type: 'Feature',
      properties: { code: '431103101001', name: '边缘社区' },
      geometry: convertGeometry(edge!, 'wgs84', 'gcj02'),
    };
    const issues = validate([feature], { reference: [], expectedGrids: undefined }).issues;
    expect(issues.find((i) => i.kind === 'datum-suspect')?.message).toMatch(/fit inside it once read as GCJ02/);
    expect(issues.find((i) => i.kind === 'outside-district')?.feature).toBe('431103101001');
  });
});
