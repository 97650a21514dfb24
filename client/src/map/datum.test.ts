import { describe, expect, it } from 'vitest';
import { pointFromDisplay, pointToDisplay, toDisplay } from './datum.ts';

describe('display datum', () => {
  it('leaves WGS84 untouched', () => {
    const fc = { type: 'FeatureCollection' as const, features: [] };
    expect(toDisplay(fc, 'wgs84')).toBe(fc);
  });
  it('shifts to GCJ-02 by about 500 m here, and a pick converts back within a metre', () => {
    const [lng, lat] = pointToDisplay(111.6, 26.44, 'gcj02');
    const metres = Math.hypot((lng - 111.6) * 99_700, (lat - 26.44) * 110_574);
    expect(metres).toBeGreaterThan(400);
    expect(metres).toBeLessThan(800);
    const [back, backLat] = pointFromDisplay(lng, lat, 'gcj02');
    expect(Math.hypot((back - 111.6) * 99_700, (backLat - 26.44) * 110_574)).toBeLessThan(1);
  });
  it('converts every vertex of a layer without changing the original', () => {
    const poly = {
      type: 'Feature' as const,
      properties: {},
      geometry: {
        type: 'Polygon' as const,
        coordinates: [
          [
            [111.6, 26.44],
            [111.61, 26.44],
            [111.61, 26.45],
            [111.6, 26.44],
          ],
        ],
      },
    };
    const shown = toDisplay(poly, 'bd09');
    expect(poly.geometry.coordinates[0]![0]).toEqual([111.6, 26.44]);
    expect(shown.geometry.coordinates[0]![0]![0]).toBeGreaterThan(111.605);
  });
});
