/**
 * Turns validated surveyed units into a complete geography set. Levels present in the file replace
 * the installed level whole; absent levels are kept from the installed set where their parent
 * still exists (streets are re-derived from the new communities), and the party chain follows:
 * organisations of vanished units go, new communities and grids get a committee or branch whose
 * secretary is still to be appointed (待配置).
 */
import * as turf from '@turf/turf';
import {
  partyOrgIdOf,
  type GeographyData,
  type LabelFeature,
  type PartyOrg,
  type PartyOrgKind,
  type UnitFeature,
  type UnitLevel,
} from '../contract/geo.ts';
import type { Organisation } from '../contract/org.ts';

export interface InstalledSet {
  geography: GeographyData;
  organisation: Organisation;
}

export interface ImportSummary {
  replaced: UnitLevel[];
  kept: Partial<Record<UnitLevel, number>>;
  dropped: Partial<Record<UnitLevel, number>>;
  newPartyOrgs: number;
  removedPartyOrgs: number;
}

const LEVELS = ['street', 'community', 'grid', 'compound', 'building'] as const;
const KEY = { street: 'streets', community: 'communities', grid: 'grids', compound: 'compounds', building: 'buildings' } as const;
const ORG_SUFFIX: Record<PartyOrgKind, string> = {
  'district-committee': '委员会',
  'street-working-committee': '工作委员会',
  'community-committee': '工作委员会',
  'grid-branch': '党支部',
  'party-group': '党小组',
};
const ORG_KIND: Partial<Record<UnitLevel, PartyOrgKind>> = {
  street: 'street-working-committee',
  community: 'community-committee',
  grid: 'grid-branch',
  compound: 'party-group',
};

export function buildImportedSet(units: readonly UnitFeature[], installed: InstalledSet): { set: InstalledSet; summary: ImportSummary } {
  const summary: ImportSummary = { replaced: [], kept: {}, dropped: {}, newPartyOrgs: 0, removedPartyOrgs: 0 };
  const next: Record<(typeof LEVELS)[number], UnitFeature[]> = { street: [], community: [], grid: [], compound: [], building: [] };
  const present = new Set<string>([installed.geography.district.properties.code]);
  for (const level of LEVELS) {
    const fromFile = units.filter((u) => u.properties.level === level);
    if (fromFile.length > 0) {
      next[level] = fromFile;
      summary.replaced.push(level);
    } else {
      const old = installed.geography[KEY[level]].features;
      next[level] = old.filter((u) => level === 'street' || present.has(u.properties.parentCode!));
      if (old.length !== next[level].length) summary.dropped[level] = old.length - next[level].length;
      summary.kept[level] = next[level].length;
    }
    for (const u of next[level]) present.add(u.properties.code);
  }
  // Streets follow their communities when the file did not carry streets of its own.
  if (!summary.replaced.includes('street') && summary.replaced.includes('community')) {
    next.street = next.street.flatMap((s) => {
      const members = next.community.filter((c) => c.properties.parentCode === s.properties.code);
      if (members.length === 0) return [];
      const merged = members.length === 1 ? members[0]! : turf.union(turf.featureCollection(members));
      return merged ? [{ ...s, geometry: merged.geometry, properties: { ...s.properties, area: Math.round(turf.area(merged)) } }] : [];
    });
  }
  rollUpCounts(next);
  const district = { ...installed.geography.district, properties: { ...installed.geography.district.properties, ...sumOf(next.street) } };
  const all = [district, ...LEVELS.flatMap((l) => next[l])];
  const oldLabels = new Map(installed.geography.labels.features.map((l) => [l.properties.code, l]));
  const replacedCodes = new Set(units.map((u) => u.properties.code));
  const labels: LabelFeature[] = all.map((u) => {
    const old = oldLabels.get(u.properties.code);
    if (old && !replacedCodes.has(u.properties.code)) return old;
    return turf.point(turf.pointOnFeature(u).geometry.coordinates, {
      code: u.properties.code,
      name: u.properties.name,
      level: u.properties.level,
    });
  });

  const codes = new Set(all.map((u) => u.properties.code));
  const partyOrgs: PartyOrg[] = installed.organisation.partyOrgs.filter((o) => codes.has(o.unitCode));
  summary.removedPartyOrgs = installed.organisation.partyOrgs.length - partyOrgs.length;
  const hasOrg = new Set(partyOrgs.map((o) => o.unitCode));
  for (const u of all) {
    const kind = ORG_KIND[u.properties.level];
    if (!kind || hasOrg.has(u.properties.code)) continue;
    partyOrgs.push({
      id: partyOrgIdOf(u.properties.code),
      kind,
      name: `${u.properties.name}${ORG_SUFFIX[kind]}`,
      unitCode: u.properties.code,
      parentId: u.properties.parentCode ? partyOrgIdOf(u.properties.parentCode) : null,
      secretary: { name: '待配置', post: '书记' },
      members: [],
      partyMembers: u.properties.partyMembers,
    });
    summary.newPartyOrgs++;
  }
  const organisation: Organisation = {
    ...installed.organisation,
    partyOrgs,
    serviceCenters: installed.organisation.serviceCenters.filter((c) => codes.has(c.unitCode)),
    demonstrationSites: installed.organisation.demonstrationSites.filter((d) => codes.has(d.unitCode)),
  };
  const collection = (features: UnitFeature[]): GeographyData['grids'] => ({ type: 'FeatureCollection', features });
  return {
    set: {
      geography: {
        district,
        streets: collection(next.street),
        communities: collection(next.community),
        grids: collection(next.grid),
        compounds: collection(next.compound),
        buildings: collection(next.building),
        labels: { type: 'FeatureCollection', features: labels },
      },
      organisation,
    },
    summary,
  };
}

/** Parents without counts of their own take the sum of their children. */
function rollUpCounts(next: Record<(typeof LEVELS)[number], UnitFeature[]>): void {
  for (let i = LEVELS.length - 2; i >= 0; i--) {
    const level = LEVELS[i]!;
    const children = next[LEVELS[i + 1]!];
    next[level] = next[level].map((u) => {
      if (u.properties.households > 0) return u;
      const mine = children.filter((c) => c.properties.parentCode === u.properties.code);
      return mine.length ? { ...u, properties: { ...u.properties, ...sumOf(mine) } } : u;
    });
  }
}

function sumOf(units: readonly UnitFeature[]): { households: number; population: number; partyMembers: number } {
  return units.reduce(
    (t, u) => ({
      households: t.households + u.properties.households,
      population: t.population + u.properties.population,
      partyMembers: t.partyMembers + u.properties.partyMembers,
    }),
    { households: 0, population: 0, partyMembers: 0 },
  );
}
