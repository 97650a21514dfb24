import { describe, expect, it } from 'vitest';
import { INCIDENT_CLASSES } from '../contract/incidents.ts';
import { DEMO_GEOGRAPHY_DIR } from '../cli/geo-file.ts';
import { readGeographySet } from '../store/geography-files.ts';
import { createGeography } from './geography.ts';
import { classOfService, containsMarkup, placeOf, SERVICE_CODES, serviceDefinition, services, toCst } from './open311.ts';

const set = readGeographySet(DEMO_GEOGRAPHY_DIR);
const geography = createGeography(set.geography, set.organisation.partyOrgs);

describe('Open311 mapping', () => {
  it('gives every incident class one stable, unique service code, and back', () => {
    const codes = INCIDENT_CLASSES.map((c) => SERVICE_CODES[c]);
    expect(new Set(codes).size).toBe(INCIDENT_CLASSES.length);
    for (const c of INCIDENT_CLASSES) expect(classOfService(SERVICE_CODES[c])).toBe(c);
    expect(services().map((s) => s.service_code)).toEqual(codes);
    expect(serviceDefinition('E99')).toBeUndefined();
  });

  it('writes times at +08:00', () => {
    expect(toCst('2026-11-30T01:00:00.000Z')).toBe('2026-11-30T09:00:00+08:00');
    expect(toCst('2026-12-31T16:30:05.123Z')).toBe('2027-01-01T00:30:05+08:00');
  });

  it('finds markup and entities, and leaves plain text with < and & alone', () => {
    for (const bad of ['<b>x</b>', '<script>', 'a<img src=x>', '&lt;', '&#60;', '&#x3c;', '<!-- -->', '</p>'])
      expect(containsMarkup(bad), bad).toBe(true);
    for (const ok of ['a < b', '3<5', 'A & B', '井盖&路灯', '1 <2']) expect(containsMarkup(ok), ok).toBe(false);
  });

  it('places a point from the district down to its building', () => {
    const building = set.geography.buildings.features[0]!;
    const ring = building.geometry.type === 'Polygon' ? building.geometry.coordinates[0]! : building.geometry.coordinates[0]![0]!;
    const corners = ring.slice(0, -1); // a building is a rectangle: its centre is the mean of its corners
    const lng = corners.reduce((sum, p) => sum + p[0]!, 0) / corners.length;
    const lat = corners.reduce((sum, p) => sum + p[1]!, 0) / corners.length;
    const grid = geography.gridAt(lng, lat)!.properties.code;
    const place = placeOf(geography, grid, lng, lat).map((u) => u.properties.level);
    expect(place).toEqual(['district', 'street', 'community', 'grid', 'compound', 'building']);
    expect(placeOf(geography, null, null, null).map((u) => u.properties.level)).toEqual(['district']);
  });
});
