/**
 * Display datum: the district layers are stored in WGS84; over a GCJ-02 (AMap, Tencent) or BD-09
 * (Baidu) base map they are drawn in that datum so that they line up (≈ 500 m apart here), and
 * map picks are converted back to WGS84 before they are sent.
 */
import gcoord from 'gcoord';
import type { GeoJSON } from 'geojson';

export type Datum = 'wgs84' | 'gcj02' | 'bd09';
const CRS = { wgs84: gcoord.WGS84, gcj02: gcoord.GCJ02, bd09: gcoord.BD09 } as const;

export function toDisplay<T extends GeoJSON>(data: T, datum: Datum): T {
  if (datum === 'wgs84') return data;
  return gcoord.transform(structuredClone(data) as never, CRS.wgs84, CRS[datum]) as unknown as T;
}

export function pointToDisplay(lng: number, lat: number, datum: Datum): [number, number] {
  return datum === 'wgs84' ? [lng, lat] : (gcoord.transform([lng, lat], CRS.wgs84, CRS[datum]) as [number, number]);
}

export function pointFromDisplay(lng: number, lat: number, datum: Datum): [number, number] {
  return datum === 'wgs84' ? [lng, lat] : (gcoord.transform([lng, lat], CRS[datum], CRS.wgs84) as [number, number]);
}
