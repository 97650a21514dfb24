/**
 * Builds the demo geography: 9 streets → 20 communities → 304 grids → compounds → buildings,
 * all unions of one block mesh inside the real district outline (see blocks.ts for why).
 */
import * as turf from '@turf/turf';
import type { Position } from 'geojson';
import {
  type GeographyData,
  type LabelFeature,
  type UnitFeature,
  type UnitLevel,
  type UnitProperties,
} from '../../server/src/contract/geo.ts';
import { buildBlocks, type Block } from './blocks.ts';
import { compoundRing, placeBuildings } from './buildings.ts';
import { COMMUNITIES_BY_STREET, CORE_SHAPE, DEMONSTRATION_COMMUNITIES, TOTAL_GRIDS } from './config.ts';
import { chineseNumber, createCompoundNamer } from './names.ts';
import { mean, nearestTo, partitionCells, type CellGraph } from './partition.ts';
import { toLngLat, type XY } from './projection.ts';
import type { Random } from '../../server/src/domain/random.ts';

export interface Division {
  code: string;
  name: string;
}

interface Counts {
  households: number;
  population: number;
  partyMembers: number;
}

export function generateGeography(random: Random, district: UnitFeature, divisions: ReadonlyMap<string, Division>): GeographyData {
  const blocks = buildBlocks(random.fork('blocks'), CORE_SHAPE);
  assertInside(blocks, district);
  const graph: CellGraph = { position: (c) => blocks[c]!.centroid, neighbors: (c) => blocks[c]!.neighbors };
  const blockPolygon = blocks.map((b) => turf.polygon([b.ring.map(toLngLat)]));
  const gridCounts = gridCountsPerCommunity(random.fork('grid-counts'));
  const namer = createCompoundNamer(random.fork('compound-names'));
  const buildingRandom = random.fork('buildings');
  const peopleRandom = random.fork('households');

  const out: Omit<GeographyData, 'district' | 'labels'> = {
    streets: fc(),
    communities: fc(),
    grids: fc(),
    compounds: fc(),
    buildings: fc(),
  };
  const labels: LabelFeature[] = [];
  const unionOf = (cells: readonly number[]): UnitFeature['geometry'] => {
    const merged = cells.length === 1 ? blockPolygon[cells[0]!]! : turf.union(turf.featureCollection(cells.map((c) => blockPolygon[c]!)));
    if (!merged) throw new Error('empty union');
    return merged.geometry;
  };
  const labelPoint = (cells: readonly number[]): Position =>
    toLngLat(blocks[nearestTo(cells, graph, mean(cells.map((c) => blocks[c]!.centroid)))]!.centroid);
  const add = (level: UnitLevel, props: Omit<UnitProperties, 'level' | 'area'>, geometry: UnitFeature['geometry'], at: Position): void => {
    const feature = turf.feature(geometry, { ...props, level, area: Math.round(turf.area(geometry)) }) as UnitFeature;
    const key = `${level === 'community' ? 'communitie' : level}s` as keyof typeof out;
    out[key].features.push(feature);
    labels.push(label(feature.properties, at));
  };

  const streetCodes = Object.keys(COMMUNITIES_BY_STREET);
  const streetRegions = partitionCells(
    blocks.map((b) => b.id),
    graph,
    streetCodes.map((s) => COMMUNITIES_BY_STREET[s]!.reduce((n, c) => n + gridCounts.get(c)!, 0)),
  );
  const districtTotals = zero();
  streetCodes.forEach((streetCode, si) => {
    const communityCodes = COMMUNITIES_BY_STREET[streetCode]!;
    const communityRegions = partitionCells(
      streetRegions[si]!,
      graph,
      communityCodes.map((c) => gridCounts.get(c)!),
    );
    const streetTotals = zero();
    communityCodes.forEach((communityCode, ci) => {
      const communityCells = communityRegions[ci]!;
      const gridRegions = ordered(
        partitionCells(communityCells, graph, Array(gridCounts.get(communityCode)!).fill(1)),
        (cells) => labelPoint(cells) as XY,
      );
      const communityTotals = zero();
      const communityName = shortCommunityName(divisions.get(communityCode)!.name);
      gridRegions.forEach((gridCells, gi) => {
        const gridCode = communityCode + pad(gi + 1, 3);
        const gridTotals = addGrid(gridCode, gridCells);
        add(
          'grid',
          { code: gridCode, name: `${communityName}第${chineseNumber(gi + 1)}网格`, parentCode: communityCode, ...gridTotals },
          unionOf(gridCells),
          labelPoint(gridCells),
        );
        accumulate(communityTotals, gridTotals);
      });
      add(
        'community',
        {
          code: communityCode,
          name: communityName,
          parentCode: streetCode,
          ...communityTotals,
          ...(DEMONSTRATION_COMMUNITIES[communityCode] ? { demonstration: true } : {}),
        },
        unionOf(communityCells),
        labelPoint(communityCells),
      );
      accumulate(streetTotals, communityTotals);
    });
    add(
      'street',
      { code: streetCode, name: divisions.get(streetCode)!.name, parentCode: district.properties.code, ...streetTotals },
      unionOf(streetRegions[si]!),
      labelPoint(streetRegions[si]!),
    );
    accumulate(districtTotals, streetTotals);
  });

  /** Compounds and buildings of one grid, with the grid's households spread over its buildings. */
  function addGrid(gridCode: string, cells: readonly number[]): Counts {
    const compounds = ordered([...cells], (c) => toLngLat(blocks[c]!.centroid)).map((cell) => {
      const ring = compoundRing(blocks[cell]!);
      return { ring, buildings: ordered(placeBuildings(buildingRandom, ring), (b) => toLngLat(mean(b.ring.slice(0, 4)))) };
    });
    const buildings = compounds.flatMap((c) => c.buildings);
    const households = peopleRandom.int(300, 500);
    const population = Math.round(households * peopleRandom.range(2.6, 3.2));
    const partyMembers = Math.round(population * peopleRandom.range(0.05, 0.08));
    const perHousehold = allocate(
      households - buildings.length,
      buildings.map((b) => b.footprint * b.floors),
    ).map((n) => n + 1);
    const perPopulation = allocate(population, perHousehold);
    const perMember = allocate(partyMembers, perPopulation);
    let b = 0;
    compounds.forEach((compound, i) => {
      const compoundCode = gridCode + pad(i + 1, 3);
      const totals = zero();
      compound.buildings.forEach((building, j) => {
        const counts = { households: perHousehold[b]!, population: perPopulation[b]!, partyMembers: perMember[b]! };
        b++;
        add(
          'building',
          { code: compoundCode + pad(j + 1, 2), name: `${j + 1}栋`, parentCode: compoundCode, floors: building.floors, ...counts },
          turf.polygon([building.ring.map(toLngLat)]).geometry,
          toLngLat(mean(building.ring.slice(0, 4))),
        );
        accumulate(totals, counts);
      });
      add(
        'compound',
        { code: compoundCode, name: namer(), parentCode: gridCode, ...totals },
        turf.polygon([compound.ring.map(toLngLat)]).geometry,
        toLngLat(mean(compound.ring.slice(0, -1))),
      );
    });
    return { households, population, partyMembers };
  }

  // The district's area is its real outline's (the leader's district card showed 0.00 km²).
  const districtFeature: UnitFeature = {
    ...district,
    properties: { ...district.properties, ...districtTotals, area: Math.round(turf.area(district)) },
  };
  labels.unshift(label(districtFeature.properties, districtCentre(district)));
  return { district: districtFeature, ...out, labels: turf.featureCollection(labels) };
}

/** 12–19 grids per community, summing to exactly TOTAL_GRIDS. */
function gridCountsPerCommunity(random: Random): Map<string, number> {
  const codes = Object.values(COMMUNITIES_BY_STREET).flat();
  const counts = codes.map(() => random.int(12, 19));
  let i = 0;
  while (counts.reduce((a, b) => a + b, 0) !== TOTAL_GRIDS) {
    const diff = TOTAL_GRIDS - counts.reduce((a, b) => a + b, 0);
    const k = i++ % counts.length;
    counts[k] = Math.min(19, Math.max(12, counts[k]! + Math.sign(diff)));
  }
  return new Map(codes.map((c, k) => [c, counts[k]!]));
}

/**
 * Orders items north→south in rows, west→east within a row (docs/design.md §1 numbering). A row is a
 * band as tall as a typical item (√(extent area / count)), so slight jitter stays in its row.
 */
export function ordered<T>(items: readonly T[], at: (item: T) => XY): T[] {
  if (items.length < 2) return [...items];
  const points = items.map(at);
  const ys = points.map((p) => p[1]);
  const xs = points.map((p) => p[0]);
  const width = Math.max(...xs) - Math.min(...xs);
  const height = Math.max(...ys) - Math.min(...ys);
  const band = Math.sqrt((Math.max(width, height / 10) * Math.max(height, width / 10)) / items.length) || 1;
  const top = Math.max(...ys);
  return items
    .map((item, i) => ({ item, row: Math.floor((top - points[i]![1]) / band), x: points[i]![0] }))
    .sort((a, b) => a.row - b.row || a.x - b.x)
    .map((e) => e.item);
}

/** Largest-remainder split of an integer total in proportion to weights. */
export function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0) return [];
  const exact = weights.map((w) => (sum > 0 ? (total * w) / sum : total / weights.length));
  const result = exact.map(Math.floor);
  let rest = total - result.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; rest > 0; k = (k + 1) % order.length, rest--) result[order[k]!.i]!++;
  return result;
}

function assertInside(blocks: readonly Block[], district: UnitFeature): void {
  for (const b of blocks) {
    for (const p of b.ring) {
      if (!turf.booleanPointInPolygon(toLngLat(p), district))
        throw new Error(`block ${b.id} leaves the district outline at ${toLngLat(p).join(',')}`);
    }
  }
}

function shortCommunityName(official: string): string {
  return official.replace(/居委会$/, '');
}

function label(props: UnitProperties, at: Position): LabelFeature {
  return turf.point(at, { code: props.code, name: props.name, level: props.level });
}

const fc = (): { type: 'FeatureCollection'; features: UnitFeature[] } => ({ type: 'FeatureCollection', features: [] });
const zero = (): Counts => ({ households: 0, population: 0, partyMembers: 0 });
function accumulate(into: Counts, add: Counts): void {
  into.households += add.households;
  into.population += add.population;
  into.partyMembers += add.partyMembers;
}
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** The district seat point recorded with the outline, else its centroid. */
function districtCentre(district: UnitFeature): Position {
  const centre = (district.properties as unknown as { center?: unknown }).center;
  return Array.isArray(centre) && centre.length === 2 ? (centre as Position) : turf.centroid(district).geometry.coordinates;
}
