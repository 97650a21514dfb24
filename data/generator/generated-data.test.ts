import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as turf from '@turf/turf';
import { describe, expect, it } from 'vitest';
import { CODE_LENGTH, parentCodeOf } from '../../server/src/contract/geo.ts';
import { DEMO_GEOGRAPHY_DIR } from '../../server/src/cli/geo-file.ts';
import { validateGeographyFile } from '../../server/src/domain/geo-validation.ts';
import { readGeographySet } from '../../server/src/store/geography-files.ts';
import { COMMUNITIES_BY_STREET, DEMONSTRATION_COMMUNITIES } from './config.ts';
import { generateAll } from './main.ts';
import { allocate, ordered } from './geography.ts';
import { COUNTS } from './organisation.ts';

const { geography: g, organisation: org } = readGeographySet(DEMO_GEOGRAPHY_DIR);

describe('generated geography', () => {
  it('has 9 streets, 20 communities and 304 grids, and thousands of compounds and buildings', () => {
    expect(g.streets.features).toHaveLength(9);
    expect(g.communities.features).toHaveLength(20);
    expect(g.grids.features).toHaveLength(304);
    expect(g.compounds.features.length).toBeGreaterThan(1000);
    expect(g.buildings.features.length).toBeGreaterThan(5000);
    expect(g.communities.features.map((c) => c.properties.code).sort()).toEqual(Object.values(COMMUNITIES_BY_STREET).flat().sort());
  });

  it('uses well-formed, unique codes whose prefix is the parent code', () => {
    const all = [
      g.district,
      ...g.streets.features,
      ...g.communities.features,
      ...g.grids.features,
      ...g.compounds.features,
      ...g.buildings.features,
    ];
    const codes = all.map((u) => u.properties.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const u of all) {
      expect(u.properties.code).toMatch(new RegExp(`^431103\\d{${CODE_LENGTH[u.properties.level] - 6}}$`));
      expect(u.properties.parentCode).toBe(parentCodeOf(u.properties.code));
    }
    const csv = readFileSync(new URL('../source/lengshuitan-divisions.csv', import.meta.url), 'utf8');
    for (const c of g.communities.features)
      expect(csv).toContain(`${c.properties.code},${c.properties.name}居委会`.replace('曲河社区居委会', '曲河社区'));
  });

  it('numbers grids 001… west→east, north→south inside each community', () => {
    for (const community of g.communities.features) {
      const mine = g.grids.features.filter((x) => x.properties.parentCode === community.properties.code);
      const numbers = mine.map((x) => Number(x.properties.code.slice(12)));
      expect(numbers).toEqual(numbers.map((_, i) => i + 1));
      const labelOf = new Map(g.labels.features.map((l) => [l.properties.code, l.geometry.coordinates as [number, number]]));
      const expected = ordered(mine, (x) => labelOf.get(x.properties.code)!).map((x) => x.properties.code);
      expect(mine.map((x) => x.properties.code)).toEqual(expected);
      // The first grid lies in the northern part of the community, the last in the southern part.
      const lat = (code: string): number => labelOf.get(code)![1];
      expect(lat(mine[0]!.properties.code)).toBeGreaterThan(lat(mine.at(-1)!.properties.code));
    }
  });

  it('sizes every grid for 300–500 households and sums counts up the hierarchy', () => {
    for (const grid of g.grids.features) {
      expect(grid.properties.households).toBeGreaterThanOrEqual(300);
      expect(grid.properties.households).toBeLessThanOrEqual(500);
    }
    for (const level of ['street', 'community', 'grid', 'compound'] as const) {
      const key = ({ street: 'streets', community: 'communities', grid: 'grids', compound: 'compounds' } as const)[level];
      const childKey = ({ street: 'communities', community: 'grids', grid: 'compounds', compound: 'buildings' } as const)[level];
      for (const unit of g[key].features) {
        const children = g[childKey].features.filter((c) => c.properties.parentCode === unit.properties.code);
        expect(children.length, unit.properties.code).toBeGreaterThan(0);
        for (const field of ['households', 'population', 'partyMembers'] as const) {
          expect(
            children.reduce((n, c) => n + c.properties[field], 0),
            `${unit.properties.code} ${field}`,
          ).toBe(unit.properties[field]);
        }
      }
    }
  });

  it('tiles each community with its grids: no overlaps, no gaps, nothing outside (validator over the committed set)', () => {
    const file = {
      type: 'FeatureCollection',
      features: [...g.streets.features, ...g.communities.features, ...g.grids.features, ...g.compounds.features, ...g.buildings.features],
    };
    const result = validateGeographyFile(JSON.stringify(file), { district: g.district, expectedGrids: 304, toleranceM2: 1 });
    expect(result.issues).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('covers each community with grids of the same total area, and each street with its communities', () => {
    const area = (key: 'streets' | 'communities' | 'grids', parent: string): number =>
      g[key].features.filter((u) => u.properties.parentCode === parent).reduce((n, u) => n + turf.area(u), 0);
    for (const c of g.communities.features) expect(Math.abs(area('grids', c.properties.code) / turf.area(c) - 1)).toBeLessThan(1e-6);
    for (const s of g.streets.features) expect(Math.abs(area('communities', s.properties.code) / turf.area(s) - 1)).toBeLessThan(1e-6);
  });

  it("gives every unit its own area, the district its real outline's (≈ 1,218 km²)", () => {
    for (const u of [g.district, ...g.streets.features, ...g.communities.features, ...g.grids.features]) {
      expect(u.properties.area, u.properties.code).toBe(Math.round(turf.area(u)));
    }
    expect(g.district.properties.area / 1e6).toBeCloseTo(1218, 0);
  });

  it('lies inside the real district outline around the urban core', () => {
    for (const s of g.streets.features) expect(turf.booleanWithin(s, g.district), s.properties.code).toBe(true);
    const [minX, minY, maxX, maxY] = turf.bbox(g.streets);
    expect(minX).toBeGreaterThan(111.56);
    expect(maxX).toBeLessThan(111.65);
    expect(minY).toBeGreaterThan(26.39);
    expect(maxY).toBeLessThan(26.48);
  });

  it('has exactly one label point per unit, inside the unit', () => {
    const units = [
      g.district,
      ...g.streets.features,
      ...g.communities.features,
      ...g.grids.features,
      ...g.compounds.features,
      ...g.buildings.features,
    ];
    expect(g.labels.features).toHaveLength(units.length);
    const byCode = new Map(units.map((u) => [u.properties.code, u]));
    for (const label of g.labels.features) {
      const unit = byCode.get(label.properties.code);
      expect(unit, label.properties.code).toBeDefined();
      if (unit!.properties.level !== 'district') expect(turf.booleanPointInPolygon(label, unit!), label.properties.code).toBe(true);
    }
  });
});

describe('generated organisation', () => {
  const kinds = (kind: string): number => org.partyOrgs.filter((o) => o.kind === kind).length;

  it('has one party organisation per unit down to the compound, each under its parent', () => {
    expect(kinds('district-committee')).toBe(1);
    expect(kinds('street-working-committee')).toBe(9);
    expect(kinds('community-committee')).toBe(20);
    expect(kinds('grid-branch')).toBe(304);
    expect(kinds('party-group')).toBe(g.compounds.features.length);
    const ids = new Set(org.partyOrgs.map((o) => o.id));
    for (const o of org.partyOrgs) if (o.parentId) expect(ids.has(o.parentId), o.id).toBe(true);
  });

  it('gives community committees 7–9 members and every branch a secretary and a grid worker', () => {
    for (const c of org.partyOrgs.filter((o) => o.kind === 'community-committee')) {
      expect(c.members.length + 1).toBeGreaterThanOrEqual(7);
      expect(c.members.length + 1).toBeLessThanOrEqual(9);
    }
    for (const b of org.partyOrgs.filter((o) => o.kind === 'grid-branch')) {
      expect(b.secretary.name).toMatch(/^.某.$/); // obviously synthetic
      expect(b.members.some((m) => m.post === '网格员')).toBe(true);
    }
  });

  it('matches the counts of docs/design.md', () => {
    expect(org.pairedUnits).toHaveLength(228);
    expect(new Set(org.pairedUnits.map((u) => u.name)).size).toBe(228);
    expect(org.partTimeMembers).toHaveLength(106);
    expect(org.socialOrganisations.length).toBeGreaterThanOrEqual(120);
    expect(new Set(org.socialOrganisations.flatMap((o) => o.serviceIds)).size).toBeGreaterThanOrEqual(30);
    expect(org.timeBank.teams).toHaveLength(11);
    expect(org.timeBank.volunteers).toHaveLength(383);
    expect(org.timeBank.volunteers.reduce((n, v) => n + v.services, 0)).toBeGreaterThanOrEqual(COUNTS.minServicesAtLaunch);
    expect(org.facts).toEqual({ devolvedServiceItems: 161, staffSentDown: 726 });
    expect(org.serviceCenters).toHaveLength(1 + 9 + 20);
    for (const code of Object.keys(DEMONSTRATION_COMMUNITIES)) expect(org.demonstrationSites.some((d) => d.unitCode === code)).toBe(true);
    for (const c of Object.keys(DEMONSTRATION_COMMUNITIES))
      expect(g.communities.features.find((x) => x.properties.code === c)?.properties.demonstration).toBe(true);
  });
});

describe('generator', () => {
  it('writes byte-identical files on every run, equal to the committed ones', () => {
    const [a, b] = [mkdtempSync(join(tmpdir(), 'gen-a-')), mkdtempSync(join(tmpdir(), 'gen-b-'))];
    const files = generateAll(a);
    generateAll(b);
    expect(readdirSync(DEMO_GEOGRAPHY_DIR).sort()).toEqual([...files].sort());
    for (const name of files) {
      const first = readFileSync(join(a, name));
      expect(first.equals(readFileSync(join(b, name))), `${name} differs between runs`).toBe(true);
      expect(first.equals(readFileSync(join(DEMO_GEOGRAPHY_DIR, name))), `${name} differs from the committed file: run npm run data`).toBe(
        true,
      );
    }
  });

  it('allocates integer totals exactly in proportion', () => {
    expect(allocate(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(allocate(7, [0, 2, 5])).toEqual([0, 2, 5]);
    expect(allocate(5, [])).toEqual([]);
  });
});
