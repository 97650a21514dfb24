/**
 * Geography contract: unit levels, code formats and the GeoJSON shapes that the generator
 * writes, the server loads and the client draws. Imported by server, client and generator.
 */
import type { Feature, FeatureCollection, LineString, MultiPolygon, Point, Polygon } from 'geojson';

/** Administrative levels, top to bottom. */
export const UNIT_LEVELS = ['district', 'street', 'community', 'grid', 'compound', 'building'] as const;
export type UnitLevel = (typeof UNIT_LEVELS)[number];

/** Digits of the code at each level (docs/design.md §1): NBS codes above the grid, suffixes below. */
export const CODE_LENGTH: Readonly<Record<UnitLevel, number>> = {
  district: 6,
  street: 9,
  community: 12,
  grid: 15,
  compound: 18,
  building: 20,
};

export const DISTRICT_CODE = '431103';
/** A scope: the district, a street, a community or a grid code. */
export const SCOPE_CODE = /^431103(\d{3}){0,3}$/;

/**
 * Whether a unit code (null: not located) lies inside a scope: the scope rule of every route, the
 * feed and the services. Codes nest by prefix (a grid's code begins with its community's).
 */
export function inScope(scope: string, code: string | null): boolean {
  return scope === DISTRICT_CODE || (code !== null && code.startsWith(scope));
}

/** The level a code belongs to, or null when it is not a well-formed unit code. */
export function levelOfCode(code: string): UnitLevel | null {
  if (!/^\d+$/.test(code) || !code.startsWith(DISTRICT_CODE)) return null;
  const level = UNIT_LEVELS.find((l) => CODE_LENGTH[l] === code.length);
  return level ?? null;
}

/** Parent code in the administrative hierarchy (null for the district). */
export function parentCodeOf(code: string): string | null {
  const level = levelOfCode(code);
  if (!level || level === 'district') return null;
  const parentLevel = UNIT_LEVELS[UNIT_LEVELS.indexOf(level) - 1]!;
  return code.slice(0, CODE_LENGTH[parentLevel]);
}

/** Properties common to every area unit (street, community, grid, compound, building). */
export interface UnitProperties {
  code: string;
  name: string;
  level: UnitLevel;
  parentCode: string | null;
  /** Planar area in square metres, rounded. */
  area: number;
  households: number;
  population: number;
  partyMembers: number;
  /** Building only: storeys above ground. */
  floors?: number;
  /** Community only: a demonstration site (示范点). */
  demonstration?: boolean;
}

type AreaGeometry = Polygon | MultiPolygon;
export type UnitFeature = Feature<AreaGeometry, UnitProperties>;
export type UnitCollection = FeatureCollection<AreaGeometry, UnitProperties>;

interface LabelProperties {
  code: string;
  name: string;
  level: UnitLevel;
}
export type LabelFeature = Feature<Point, LabelProperties>;
export type LabelCollection = FeatureCollection<Point, LabelProperties>;

/** The outlines the maps draw (GET /api/geography/boundaries; server/src/domain/boundaries.ts). */
export const BOUNDARY_LEVELS = ['grid', 'community', 'street', 'district'] as const;
export type BoundaryLevel = (typeof BOUNDARY_LEVELS)[number];
/** A run of edges of one level; a ring wholly of one unit's level stays a closed ring (a Polygon). */
export type BoundaryFeature = Feature<LineString | Polygon, { level: BoundaryLevel }>;
export type BoundaryCollection = FeatureCollection<LineString | Polygon, { level: BoundaryLevel }>;

/** Everything the geography module needs, as loaded from data/ or an imported set. */
export interface GeographyData {
  district: UnitFeature;
  streets: UnitCollection;
  communities: UnitCollection;
  grids: UnitCollection;
  compounds: UnitCollection;
  buildings: UnitCollection;
  labels: LabelCollection;
}

/** Party organisation kinds, mirroring the administrative levels (docs/design.md §1). */
export type PartyOrgKind =
  | 'district-committee' // 区委
  | 'street-working-committee' // 街道党工委
  | 'community-committee' // 社区党工委
  | 'grid-branch' // 网格党支部
  | 'party-group'; // 党小组

export interface Person {
  name: string;
  post: string;
}

export interface PartyOrg {
  /** `P` + the code of the unit it leads. */
  id: string;
  kind: PartyOrgKind;
  name: string;
  unitCode: string;
  parentId: string | null;
  secretary: Person;
  /** Committee members (community committees), grid worker (branches). */
  members: Person[];
  partyMembers: number;
}

/** The party organisation id for the unit with this code. */
export function partyOrgIdOf(unitCode: string): string {
  return `P${unitCode}`;
}
