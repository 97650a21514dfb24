/** A local planar frame in metres around the urban core, so that shapes are laid out in true proportions. */
const ORIGIN = { lng: 111.605, lat: 26.435 } as const;

const M_PER_DEG_LAT = 110_574;
const M_PER_DEG_LNG = 111_320 * Math.cos((ORIGIN.lat * Math.PI) / 180);

export type XY = [number, number];

/** Metres east/north of ORIGIN → [lng, lat] rounded to 6 decimals (≈ 0.1 m). */
export function toLngLat([x, y]: XY): [number, number] {
  return [round6(ORIGIN.lng + x / M_PER_DEG_LNG), round6(ORIGIN.lat + y / M_PER_DEG_LAT)];
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
