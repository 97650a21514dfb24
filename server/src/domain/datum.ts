/**
 * Datum conversion between WGS84 (what we store; ≈ CGCS2000, as Tianditu uses) and the offset
 * datums of Chinese web maps: GCJ-02 (AMap, Tencent) and BD-09 (Baidu), ≈ 500–1000 m apart here.
 * The formulas come from gcoord; this module applies them to whole geometries.
 */
import gcoord from 'gcoord';
import type { Geometry, Position } from 'geojson';

export const DATUMS = ['wgs84', 'gcj02', 'bd09'] as const;
export type Datum = (typeof DATUMS)[number];

const CRS = { wgs84: gcoord.WGS84, gcj02: gcoord.GCJ02, bd09: gcoord.BD09 } as const;

function convertPosition(p: Position, from: Datum, to: Datum): Position {
  if (from === to) return [p[0]!, p[1]!];
  const [lng, lat] = gcoord.transform([p[0]!, p[1]!] as [number, number], CRS[from], CRS[to]);
  return [round6(lng), round6(lat)];
}

/** A converted copy of a geometry (the input is left untouched). */
export function convertGeometry<G extends Geometry>(geometry: G, from: Datum, to: Datum): G {
  const walk = (c: unknown): unknown =>
    typeof (c as unknown[])[0] === 'number' ? convertPosition(c as Position, from, to) : (c as unknown[]).map(walk);
  if (geometry.type === 'GeometryCollection')
    return { ...geometry, geometries: geometry.geometries.map((g) => convertGeometry(g, from, to)) };
  return { ...geometry, coordinates: walk(geometry.coordinates) } as G;
}

/** The offset in metres (east, north) that writing a WGS84 point in `datum` would add at p. */
export function datumOffsetMeters(p: Position, datum: Datum): [number, number] {
  const q = convertPosition(p, 'wgs84', datum);
  return metresBetween(p, q);
}

/** East and north distance in metres from a to b (local equirectangular; fine below ~10 km). */
export function metresBetween(a: Position, b: Position): [number, number] {
  const lat = ((a[1]! + b[1]!) / 2) * (Math.PI / 180);
  return [(b[0]! - a[0]!) * 111_320 * Math.cos(lat), (b[1]! - a[1]!) * 110_574];
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
