/** Where the map looks: the unit a code names, and the camera that frames it (or the district). */
import type * as maplibregl from 'maplibre-gl';
import { bbox } from '@turf/turf';
import type { Feature, FeatureCollection } from 'geojson';
import { levelOfCode, type UnitLevel } from '@contract/geo.ts';
import { toDisplay, type Datum } from './datum.ts';

const LAYER_OF: Readonly<Record<UnitLevel, string>> = {
  district: 'district',
  street: 'streets',
  community: 'communities',
  grid: 'grids',
  compound: 'compounds',
  building: 'buildings',
};

/** The unit with this code from the loaded layers, in the map's datum (undefined: not loaded or no such unit). */
export function findUnit(layers: Readonly<Record<string, unknown>>, code: string, datum: Datum): Feature | undefined {
  const level = levelOfCode(code);
  if (!level) return undefined;
  const feature = (layers[LAYER_OF[level]] as FeatureCollection | undefined)?.features.find((f) => f.properties?.code === code);
  return feature && toDisplay(feature, datum);
}

/** The camera for a unit, or for the whole district (its streets) when there is none. */
export function frameOf(
  unit: Feature | undefined,
  streets: FeatureCollection,
): { bounds: maplibregl.LngLatBoundsLike; options: maplibregl.FitBoundsOptions } {
  const [minX, minY, maxX, maxY] = bbox(unit ?? streets);
  return {
    bounds: [
      [minX, minY],
      [maxX, maxY],
    ],
    options: unit ? { padding: 60, maxZoom: 17 } : { padding: 24 },
  };
}
