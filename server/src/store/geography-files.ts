/** Reads a geography set (the committed data/generated/ or an imported one) from a directory. */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GeographyData, LabelCollection, UnitCollection } from '../contract/geo.ts';
import type { Organisation } from '../contract/org.ts';
import { serializeCollection, serializeJson } from './geojson-text.ts';

const GEOGRAPHY_FILES = {
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

/** The imported set under DATA_DIR when there is one, else the committed demo set. */
export function installedGeographyDir(dataDir: string, demoDir: string): string {
  const imported = join(dataDir, 'geography');
  return existsSync(join(imported, GEOGRAPHY_FILES.grids)) ? imported : demoDir;
}

/**
 * Writes a whole set into `dir` atomically: files go to a fresh sibling folder which then takes
 * the place of the old one, so a reader sees the old set or the new one, never half of each.
 */
export function writeGeographySet(dir: string, set: GeographySet): void {
  const staging = `${dir}.staging-${process.pid}`;
  const previous = `${dir}.previous-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const g = set.geography;
  const texts: Record<keyof typeof GEOGRAPHY_FILES, string> = {
    district: serializeCollection([g.district]),
    streets: serializeCollection(g.streets.features),
    communities: serializeCollection(g.communities.features),
    grids: serializeCollection(g.grids.features),
    compounds: serializeCollection(g.compounds.features),
    buildings: serializeCollection(g.buildings.features),
    labels: serializeCollection(g.labels.features),
    organisation: serializeJson(set.organisation),
  };
  for (const [key, text] of Object.entries(texts)) writeFileSync(join(staging, GEOGRAPHY_FILES[key as keyof typeof GEOGRAPHY_FILES]), text);
  mkdirSync(dirname(dir), { recursive: true });
  const hadOld = existsSync(dir);
  if (hadOld) renameSync(dir, previous);
  renameSync(staging, dir);
  if (hadOld) rmSync(previous, { recursive: true, force: true });
}
