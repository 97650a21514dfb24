/**
 * `npm run data`: regenerates data/generated/ from data/source/ with a fixed seed.
 * The output is byte-identical on every run (a test checks it), so it is committed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UnitFeature } from '../../server/src/contract/geo.ts';
import { SEED } from './config.ts';
import { generateGeography, type Division } from './geography.ts';
import { generateOrganisation } from './organisation.ts';
import { createRandom } from '../../server/src/domain/random.ts';
import { serializeCollection, serializeJson } from '../../server/src/store/geojson-text.ts';

const dataDir = join(dirname(fileURLToPath(import.meta.url)), '..');

export function generateAll(outDir: string): string[] {
  const source = (name: string): string => readFileSync(join(dataDir, 'source', name), 'utf8');
  const outline = JSON.parse(source('lengshuitan-district.wgs84.geojson')) as { features: UnitFeature[] };
  const original = outline.features[0]!;
  const district: UnitFeature = {
    type: 'Feature',
    geometry: original.geometry,
    properties: {
      code: '431103',
      name: '冷水滩区',
      level: 'district',
      parentCode: null,
      area: 0,
      households: 0,
      population: 0,
      partyMembers: 0,
      ...{ center: (original.properties as unknown as { center: number[] }).center },
    },
  };
  const divisions = new Map<string, Division>(
    source('lengshuitan-divisions.csv')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => {
        const [, code, name] = line.split(',');
        return [code!, { code: code!, name: name! }];
      }),
  );
  const random = createRandom(SEED);
  const geo = generateGeography(random.fork('geography'), district, divisions);
  const organisation = generateOrganisation(random.fork('organisation'), geo);
  mkdirSync(outDir, { recursive: true });
  const files: Record<string, string> = {
    'district.geojson': serializeCollection([geo.district]),
    'streets.geojson': serializeCollection(geo.streets.features),
    'communities.geojson': serializeCollection(geo.communities.features),
    'grids.geojson': serializeCollection(geo.grids.features),
    'compounds.geojson': serializeCollection(geo.compounds.features),
    'buildings.geojson': serializeCollection(geo.buildings.features),
    'labels.geojson': serializeCollection(geo.labels.features),
    'organisation.json': serializeJson(organisation),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(outDir, name), text);
  return Object.keys(files);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = process.argv[2] ?? join(dataDir, 'generated');
  const written = generateAll(outDir);
  console.log(`wrote ${written.length} files to ${outDir}`);
}
