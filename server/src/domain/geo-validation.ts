/**
 * Validation of a surveyed geography file before it may replace the installed one: structure,
 * codes, geometry validity, topology (overlaps, gaps, containment), counts and datum. Every
 * problem names the feature it is about; nothing is fixed silently.
 */
import * as turf from '@turf/turf';
import Flatbush from 'flatbush';
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson';
import {
  CODE_LENGTH,
  DISTRICT_CODE,
  levelOfCode,
  parentCodeOf,
  type UnitFeature,
  type UnitLevel,
  type UnitProperties,
} from '../contract/geo.ts';
import { containsPoint, polygonsOf } from './locator.ts';
import { convertGeometry, datumOffsetMeters, metresBetween, type Datum } from './datum.ts';

type IssueKind =
  | 'invalid-json'
  | 'not-a-feature-collection'
  | 'missing-property'
  | 'malformed-code'
  | 'duplicate-code'
  | 'unknown-parent'
  | 'invalid-geometry'
  | 'self-intersection'
  | 'overlap'
  | 'gap'
  | 'outside-parent'
  | 'outside-district'
  | 'wrong-count'
  | 'datum-suspect';

interface ValidationIssue {
  kind: IssueKind;
  /** The feature's code, or `#index` when it has no usable code. */
  feature: string;
  message: string;
}

export interface ValidationOptions {
  /** The district outline (WGS84): every unit must lie inside it. */
  district: UnitFeature;
  /** Installed units, used for parents the file does not carry and to detect a datum shift. */
  reference?: readonly UnitFeature[];
  /** How many grids the file must hold (304 for Lengshuitan); undefined skips the check. */
  expectedGrids?: number;
  /** Datum the file is written in; it is converted to WGS84 before any check. */
  fromDatum?: Datum;
  /** Overlaps, gaps and overhangs smaller than this many square metres are survey noise. */
  toleranceM2?: number;
  /** …and so are slivers thinner than this many metres on average (rounding along a shared edge). */
  sliverWidthM?: number;
}

export interface ValidationResult {
  ok: boolean;
  issues: ValidationIssue[];
  /** The file's units, converted to WGS84, when they parsed; meant for import only when ok. */
  units: UnitFeature[];
  counts: Partial<Record<UnitLevel, number>>;
}

const DEFAULT_TOLERANCE_M2 = 10;
const DEFAULT_SLIVER_WIDTH_M = 0.5;
const ADMIN_LEVELS: readonly UnitLevel[] = ['street', 'community', 'grid', 'compound', 'building'];

export function validateGeographyFile(text: string, options: ValidationOptions): ValidationResult {
  const issues: ValidationIssue[] = [];
  const report = (kind: IssueKind, feature: string, message: string): void => void issues.push({ kind, feature, message });
  const done = (units: UnitFeature[]): ValidationResult => ({
    ok: issues.length === 0,
    issues,
    units,
    counts: countLevels(units),
  });

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    report('invalid-json', '#file', `the file is not valid JSON: ${(error as Error).message}`);
    return done([]);
  }
  const features = (json as { type?: unknown; features?: unknown }).features;
  if ((json as { type?: unknown }).type !== 'FeatureCollection' || !Array.isArray(features)) {
    report('not-a-feature-collection', '#file', 'expected a GeoJSON FeatureCollection with a "features" array');
    return done([]);
  }

  const tolerance: Tolerance = { area: options.toleranceM2 ?? DEFAULT_TOLERANCE_M2, width: options.sliverWidthM ?? DEFAULT_SLIVER_WIDTH_M };
  const units: UnitFeature[] = [];
  const seen = new Set<string>();
  features.forEach((raw: unknown, index) => {
    const unit = checkFeature(raw, index, seen, options.fromDatum ?? 'wgs84', report);
    if (unit) units.push(unit);
  });

  const byCode = new Map(units.map((u) => [u.properties.code, u]));
  const referenceByCode = new Map((options.reference ?? []).map((u) => [u.properties.code, u]));
  const parentOf = (u: UnitFeature): UnitFeature | undefined => {
    const code = u.properties.parentCode!;
    return byCode.get(code) ?? referenceByCode.get(code);
  };

  for (const unit of units) {
    const { code, level } = unit.properties;
    if (level === 'street') continue; // streets hang directly under the district
    if (!parentOf(unit))
      report('unknown-parent', code, `${level} ${code}: its parent ${unit.properties.parentCode} is neither in the file nor installed`);
  }

  const grids = units.filter((u) => u.properties.level === 'grid');
  if (options.expectedGrids !== undefined && grids.length !== options.expectedGrids) {
    report('wrong-count', '#file', `expected ${options.expectedGrids} grids, found ${grids.length}`);
  }
  for (const community of units.filter((u) => u.properties.level === 'community')) {
    if (!grids.some((g) => g.properties.parentCode === community.properties.code)) {
      report('wrong-count', community.properties.code, `community ${community.properties.code} has no grid`);
    }
  }

  // Units are tiny beside the district: a vertex test is exact enough to decide whether to measure.
  const districtPolygons = polygonsOf(options.district);
  const leaving = units.filter((u) => !verticesOf(u).every((p) => containsPoint(districtPolygons, p)));
  const datum = suspectDatum(units, leaving, referenceByCode, options.district);
  if (datum) report('datum-suspect', '#file', datum);
  for (const unit of leaving) {
    const outside = significantArea(safeDifference(unit, options.district), tolerance);
    if (outside > 0)
      report('outside-district', unit.properties.code, `${describe(unit)} extends ${fmtArea(outside)} outside the district outline`);
  }

  for (const level of ADMIN_LEVELS) {
    const layer = units.filter((u) => u.properties.level === level);
    if (level === 'street' || level === 'community' || level === 'grid') checkOverlaps(layer, tolerance, report);
    for (const unit of layer) {
      const parent = parentOf(unit);
      if (!parent || parent.properties.level === 'district') continue;
      // Installed streets are re-derived from imported communities, so they are no constraint.
      if (parent.properties.level === 'street' && !byCode.has(parent.properties.code)) continue;
      // Compounds and buildings are measured only when a vertex leaves the parent (thousands of them).
      if ((level === 'compound' || level === 'building') && verticesOf(unit).every((p) => containsPoint(polygonsOf(parent), p))) continue;
      const overhang = significantArea(safeDifference(unit, parent), tolerance);
      if (overhang > 0)
        report(
          'outside-parent',
          unit.properties.code,
          `${describe(unit)} extends ${fmtArea(overhang)} outside its ${parent.properties.level} ${parent.properties.code}`,
        );
    }
  }

  // Gaps: every community (in the file or installed) that has grids in the file must be covered by them.
  const communityCodes = new Set(grids.map((g) => g.properties.parentCode!));
  for (const code of [...communityCodes].sort()) {
    const community = byCode.get(code) ?? referenceByCode.get(code);
    if (!community) continue;
    const cover = grids.filter((g) => g.properties.parentCode === code);
    const union = cover.length === 1 ? cover[0]! : turf.union(turf.featureCollection(cover));
    const uncovered = union ? safeDifference(community, union) : community;
    for (const piece of pieces(uncovered)) {
      const area = significantArea(piece, tolerance);
      if (area === 0) continue;
      const [lng, lat] = turf.pointOnFeature(piece).geometry.coordinates;
      report(
        'gap',
        code,
        `community ${code} has a gap of ${fmtArea(area)} not covered by any grid, near ${lng!.toFixed(5)},${lat!.toFixed(5)}`,
      );
    }
  }
  return done(units);
}

/** Structure, code and geometry of one feature; returns it normalised when it can be used further. */
function checkFeature(
  raw: unknown,
  index: number,
  seen: Set<string>,
  fromDatum: Datum,
  report: (kind: IssueKind, feature: string, message: string) => void,
): UnitFeature | null {
  const f = raw as Partial<Feature> | null;
  const props = (f && typeof f === 'object' ? f.properties : null) as Record<string, unknown> | null;
  const code = typeof props?.code === 'string' ? props.code : typeof props?.code === 'number' ? String(props.code) : '';
  const id = code || `#${index}`;
  if (!f || f.type !== 'Feature' || !props) {
    report('missing-property', id, `feature #${index} is not a GeoJSON Feature with properties`);
    return null;
  }
  if (!code) return (void report('missing-property', id, `feature #${index} has no "code" property`), null);
  const level = levelOfCode(code);
  if (!level || level === 'district' || !/^\d+$/.test(code)) {
    const lengths = ADMIN_LEVELS.map((l) => `${l} ${CODE_LENGTH[l]}`).join(', ');
    report('malformed-code', id, `feature #${index}: code "${code}" is not a ${DISTRICT_CODE}… unit code of ${lengths} digits`);
    return null;
  }
  if (typeof props.level === 'string' && props.level !== level) {
    report('malformed-code', id, `${code}: property level "${props.level}" disagrees with the code, which is a ${level} code`);
    return null;
  }
  if (seen.has(code)) return (void report('duplicate-code', code, `code ${code} appears more than once`), null);
  seen.add(code);
  const name = typeof props.name === 'string' ? props.name.trim() : '';
  if (!name) report('missing-property', code, `${level} ${code} has no name`);

  const geometry = f.geometry as Polygon | MultiPolygon | null | undefined;
  const problem = geometryProblem(geometry);
  if (problem) return (void report('invalid-geometry', code, `${level} ${code}: ${problem}`), null);
  const wgs = convertGeometry(geometry!, fromDatum, 'wgs84');
  const number = (key: string): number => (typeof props[key] === 'number' && Number.isFinite(props[key]) ? (props[key] as number) : 0);
  const unit = turf.feature(wgs, {
    code,
    name: name || code,
    level,
    parentCode: parentCodeOf(code),
    area: Math.round(turf.area(wgs)),
    households: number('households'),
    population: number('population'),
    partyMembers: number('partyMembers'),
  } satisfies UnitProperties) as UnitFeature;
  const kinks = turf.kinks(unit).features;
  if (kinks.length > 0) {
    const [lng, lat] = kinks[0]!.geometry.coordinates;
    report(
      'self-intersection',
      code,
      `${level} ${code}: boundary crosses itself ${kinks.length} time(s), first at ${lng!.toFixed(6)},${lat!.toFixed(6)}`,
    );
    return null;
  }
  return unit;
}

function geometryProblem(geometry: Polygon | MultiPolygon | null | undefined): string | null {
  if (!geometry || (geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon')) return 'geometry must be a Polygon or MultiPolygon';
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  if (!Array.isArray(polygons) || polygons.length === 0) return 'geometry has no coordinates';
  for (const rings of polygons) {
    if (!Array.isArray(rings) || rings.length === 0) return 'a polygon has no rings';
    for (const ring of rings) {
      if (!Array.isArray(ring) || ring.length < 4) return 'a ring has fewer than 4 positions';
      for (const p of ring) {
        if (!Array.isArray(p) || p.length < 2 || !p.every((v) => typeof v === 'number' && Number.isFinite(v)))
          return 'a position is not a pair of finite numbers';
        if (Math.abs(p[0]!) > 180 || Math.abs(p[1]!) > 90) return `position ${p[0]},${p[1]} is not longitude,latitude`;
      }
      const [first, last] = [ring[0]!, ring[ring.length - 1]!];
      if (first[0] !== last[0] || first[1] !== last[1]) return 'a ring is not closed (first and last positions differ)';
    }
    if (turf.area(turf.polygon([rings[0]!])) < 1) return 'the outer ring encloses no area';
  }
  return null;
}

/** Pairs of same-level units whose shared area is above the tolerance. */
function checkOverlaps(
  layer: readonly UnitFeature[],
  tolerance: Tolerance,
  report: (kind: IssueKind, feature: string, message: string) => void,
): void {
  if (layer.length < 2) return;
  const boxes = layer.map((u) => turf.bbox(u));
  const index = new Flatbush(layer.length);
  for (const [minX, minY, maxX, maxY] of boxes) index.add(minX, minY, maxX, maxY);
  index.finish();
  layer.forEach((a, i) => {
    const [minX, minY, maxX, maxY] = boxes[i]!;
    for (const j of index.search(minX, minY, maxX, maxY)) {
      if (j <= i) continue;
      const b = layer[j]!;
      const shared = significantArea(turf.intersect(turf.featureCollection([a, b])), tolerance);
      if (shared > 0) {
        report('overlap', a.properties.code, `${describe(a)} overlaps ${describe(b)} by ${fmtArea(shared)}`);
      }
    }
  });
}

/**
 * A consistent shift against installed units with the same codes that matches the GCJ-02 or BD-09
 * offset means the file was drawn on a Chinese web map; failing references, units that leave the
 * district but fit once converted point the same way.
 */
function suspectDatum(
  units: readonly UnitFeature[],
  outside: readonly UnitFeature[],
  reference: ReadonlyMap<string, UnitFeature>,
  district: UnitFeature,
): string | null {
  const shifts: [number, number][] = [];
  let at: Position | null = null;
  for (const unit of units) {
    const ref = reference.get(unit.properties.code);
    if (!ref) continue;
    const a = turf.centroid(ref).geometry.coordinates;
    shifts.push(metresBetween(a, turf.centroid(unit).geometry.coordinates));
    at ??= a;
  }
  if (shifts.length > 0 && at) {
    const mean: [number, number] = [avg(shifts.map((s) => s[0])), avg(shifts.map((s) => s[1]))];
    const size = Math.hypot(...mean);
    if (size < 100) return null;
    for (const datum of ['gcj02', 'bd09'] as const) {
      const expected = datumOffsetMeters(at, datum);
      if (Math.hypot(mean[0] - expected[0], mean[1] - expected[1]) < 0.25 * Math.hypot(...expected)) {
        return `the file is shifted ${Math.round(size)} m (${Math.round(mean[0])} m east, ${Math.round(mean[1])} m north) from the installed units with the same codes, as ${datum.toUpperCase()} data is here: probably drawn in ${datum.toUpperCase()}; re-run with --from-datum ${datum} to convert it to WGS84`;
      }
    }
    return `the file is shifted ${Math.round(size)} m (${Math.round(mean[0])} m east, ${Math.round(mean[1])} m north) from the installed units with the same codes; check its datum and projection`;
  }
  if (outside.length === 0) return null;
  for (const datum of ['gcj02', 'bd09'] as const) {
    if (outside.every((u) => turf.booleanWithin(turf.feature(convertGeometry(u.geometry, datum, 'wgs84')), district))) {
      return `${outside.length} unit(s) leave the district outline but fit inside it once read as ${datum.toUpperCase()}: re-run with --from-datum ${datum}`;
    }
  }
  return null;
}

function verticesOf(u: UnitFeature): Position[] {
  return polygonsOf(u).flatMap((rings) => rings[0]!);
}

function safeDifference(a: UnitFeature, b: UnitFeature | Feature<Polygon | MultiPolygon>): Feature<Polygon | MultiPolygon> | null {
  return turf.difference(turf.featureCollection([a as Feature<Polygon | MultiPolygon>, b as Feature<Polygon | MultiPolygon>]));
}

function pieces(f: Feature<Polygon | MultiPolygon> | null): Feature<Polygon>[] {
  if (!f) return [];
  return f.geometry.type === 'Polygon' ? [f as Feature<Polygon>] : f.geometry.coordinates.map((c) => turf.polygon(c));
}

interface Tolerance {
  area: number;
  width: number;
}

/** Area of the pieces that are neither tiny nor slivers (mean width 2·area/perimeter below the limit). */
function significantArea(f: Feature<Polygon | MultiPolygon> | null, tolerance: Tolerance): number {
  let total = 0;
  for (const piece of pieces(f)) {
    const area = turf.area(piece);
    if (area <= tolerance.area) continue;
    const perimeter = turf.length(turf.polygonToLine(piece), { units: 'meters' });
    if ((2 * area) / perimeter > tolerance.width) total += area;
  }
  return total;
}

function countLevels(units: readonly UnitFeature[]): Partial<Record<UnitLevel, number>> {
  const counts: Partial<Record<UnitLevel, number>> = {};
  for (const u of units) counts[u.properties.level] = (counts[u.properties.level] ?? 0) + 1;
  return counts;
}

function describe(u: UnitFeature): string {
  return `${u.properties.level} ${u.properties.code} (${u.properties.name})`;
}

function fmtArea(m2: number): string {
  return m2 >= 10_000 ? `${(m2 / 1e6).toFixed(3)} km²` : `${Math.round(m2)} m²`;
}

const avg = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
