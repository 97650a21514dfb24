/** Reads a geography set (the committed data/generated/ or an imported one) from a directory. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GeographyData, LabelCollection, UnitCollection } from '../contract/geo.ts';
import type { Organisation } from '../contract/org.ts';

export const GEOGRAPHY_FILES = {
  district: 'district.geojson',
  streets: 'streets.geojson',
  communities: 'communities.geojson',
  grids: 'grids.geojson',
  compounds: 'compounds.geojson',
  buildings: 'buildings.geojson',
  labels: 'labels.geojson',
  organisation: 'organisation.json',
} as const;

export interface GeographySet {
  geography: GeographyData;
  organisation: Organisation;
}

export function readGeographySet(dir: string): GeographySet {
  const read = <T>(name: string): T => JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;
  const district = read<UnitCollection>(GEOGRAPHY_FILES.district).features[0];
  if (!district) throw new Error(`${join(dir, GEOGRAPHY_FILES.district)} holds no feature`);
  return {
    geography: {
      district,
      streets: read(GEOGRAPHY_FILES.streets),
      communities: read(GEOGRAPHY_FILES.communities),
      grids: read(GEOGRAPHY_FILES.grids),
      compounds: read(GEOGRAPHY_FILES.compounds),
      buildings: read(GEOGRAPHY_FILES.buildings),
      labels: read<LabelCollection>(GEOGRAPHY_FILES.labels),
    },
    organisation: read(GEOGRAPHY_FILES.organisation),
  };
}
