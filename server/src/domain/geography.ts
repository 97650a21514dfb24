/**
 * The district's two hierarchies in memory: administrative units by code (district → street →
 * community → grid → compound → building) and the party chain beside them (区委 → 街道党工委 →
 * 社区党工委 → 网格党支部 → 党小组), plus locating a point to its grid and grid branch.
 * Pure: it is handed loaded data and never touches files, sockets or the database.
 */
import { partyOrgIdOf, UNIT_LEVELS, type GeographyData, type PartyOrg, type UnitFeature, type UnitLevel } from '../contract/geo.ts';
import { createLocator } from './locator.ts';

export interface Geography {
  readonly data: GeographyData;
  unit(code: string): UnitFeature | undefined;
  units(level: UnitLevel): readonly UnitFeature[];
  /** Administrative parent; undefined for the district or an unknown code. */
  parent(code: string): UnitFeature | undefined;
  /** Administrative children, in code order. */
  children(code: string): readonly UnitFeature[];
  /** District first, down to the unit itself. */
  lineage(code: string): UnitFeature[];
  partyOrg(id: string): PartyOrg | undefined;
  /** The party organisation that leads the unit with this code (grid → its branch, …). */
  partyOrgOf(unitCode: string): PartyOrg | undefined;
  partyParent(id: string): PartyOrg | undefined;
  partyChildren(id: string): readonly PartyOrg[];
  /** The grid containing the point; a point on a shared edge goes to the lowest code; null outside. */
  gridAt(lng: number, lat: number): UnitFeature | null;
  /** The grid party branch owning the point, as dispatch needs it. */
  branchAt(lng: number, lat: number): PartyOrg | null;
}

export function createGeography(data: GeographyData, partyOrgs: readonly PartyOrg[] = []): Geography {
  const byLevel = new Map<UnitLevel, UnitFeature[]>(UNIT_LEVELS.map((l) => [l, []]));
  const byCode = new Map<string, UnitFeature>();
  const childrenOf = new Map<string, UnitFeature[]>();
  const all = [
    data.district,
    ...data.streets.features,
    ...data.communities.features,
    ...data.grids.features,
    ...data.compounds.features,
    ...data.buildings.features,
  ];
  for (const unit of all) {
    const { code, level, parentCode } = unit.properties;
    if (byCode.has(code)) throw new Error(`duplicate unit code ${code}`);
    byCode.set(code, unit);
    byLevel.get(level)!.push(unit);
    if (parentCode) childrenOf.set(parentCode, [...(childrenOf.get(parentCode) ?? []), unit]);
  }
  for (const list of [...childrenOf.values(), ...byLevel.values()]) list.sort((a, b) => compare(a.properties.code, b.properties.code));

  const orgById = new Map(partyOrgs.map((o) => [o.id, o]));
  const orgChildren = new Map<string, PartyOrg[]>();
  for (const org of partyOrgs) {
    if (org.parentId) orgChildren.set(org.parentId, [...(orgChildren.get(org.parentId) ?? []), org]);
  }
  for (const list of orgChildren.values()) list.sort((a, b) => compare(a.id, b.id));
  const locator = createLocator(byLevel.get('grid')!);

  const geography: Geography = {
    data,
    unit: (code) => byCode.get(code),
    units: (level) => byLevel.get(level)!,
    parent: (code) => {
      const parentCode = byCode.get(code)?.properties.parentCode;
      return parentCode ? byCode.get(parentCode) : undefined;
    },
    children: (code) => childrenOf.get(code) ?? [],
    lineage: (code) => {
      const chain: UnitFeature[] = [];
      for (let u = byCode.get(code); u; u = u.properties.parentCode ? byCode.get(u.properties.parentCode) : undefined) chain.unshift(u);
      return chain;
    },
    partyOrg: (id) => orgById.get(id),
    partyOrgOf: (unitCode) => orgById.get(partyOrgIdOf(unitCode)),
    partyParent: (id) => {
      const parentId = orgById.get(id)?.parentId;
      return parentId ? orgById.get(parentId) : undefined;
    },
    partyChildren: (id) => orgChildren.get(id) ?? [],
    gridAt: (lng, lat) => locator.locate(lng, lat),
    branchAt: (lng, lat) => {
      const grid = locator.locate(lng, lat);
      return grid ? (orgById.get(partyOrgIdOf(grid.properties.code)) ?? null) : null;
    },
  };
  return geography;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
