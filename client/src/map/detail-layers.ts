/**
 * Compounds, buildings and their labels: loaded the first time the map is zoomed in far enough to
 * show them, not at start (they are most of the geography's bytes, and the wall never needs them).
 */
import type * as maplibregl from 'maplibre-gl';
import type { FeatureCollection } from 'geojson';
import type { LabelCollection } from '@contract/geo.ts';
import type { useGeographyStore } from '../stores/geography.ts';
import { toDisplay, type Datum } from './datum.ts';

/** The zoom from which the detail layers are drawn (style.ts) and so loaded. */
const DETAIL_ZOOM = 15;

export function loadDetailLayersWhenZoomed(map: maplibregl.Map, geography: ReturnType<typeof useGeographyStore>, datum: Datum): void {
  let loaded = false;
  map.on('zoomend', () => {
    if (loaded || map.getZoom() < DETAIL_ZOOM) return;
    loaded = true;
    void Promise.all([geography.load('compounds'), geography.load('buildings'), geography.load('detail-labels')]).then(() => {
      const set = (id: string, data: FeatureCollection): void =>
        void (map.getSource(id) as maplibregl.GeoJSONSource | undefined)?.setData(data);
      set('compounds', toDisplay(geography.layers.compounds as FeatureCollection, datum));
      set('buildings', toDisplay(geography.layers.buildings as FeatureCollection, datum));
      const labels = [geography.layers.labels, geography.layers['detail-labels']] as LabelCollection[];
      set('labels', toDisplay({ type: 'FeatureCollection', features: labels.flatMap((l) => l.features) }, datum));
    });
  });
}
