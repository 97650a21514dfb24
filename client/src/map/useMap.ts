/**
 * The map composable: creates the MapLibre map on mount (kept out of Vue's reactivity), feeds it
 * the geography, the live cases and the overlays the views want, and disposes it on unmount. Its
 * parts: the case points (incident-layer.ts), the alert ring (alert-pulse.ts), the camera
 * (camera.ts) and the compound and building layers loaded on zoom (detail-layers.ts); polygon
 * colours go through feature-state.
 */
import * as maplibregl from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import type { Feature, FeatureCollection, GeoJSON, Point } from 'geojson';
import { onBeforeUnmount, onMounted, shallowRef, type Ref } from 'vue';
import type { LabelCollection, UnitCollection, UnitLevel } from '@contract/geo.ts';
import type { Task } from '@contract/tasks.ts';
import type { Incident } from '@contract/incidents.ts';
import type { BaseMap } from '@contract/client-config.ts';
import { useGeographyStore } from '../stores/geography.ts';
import { exposeForTests, testHooksEnabled } from '../test-hooks.ts';
import { createAlertPulse } from './alert-pulse.ts';
import { findUnit, frameOf } from './camera.ts';
import { pointFromDisplay, pointToDisplay, toDisplay, type Datum } from './datum.ts';
import { loadDetailLayersWhenZoomed } from './detail-layers.ts';
import { createIncidentLayer, type IncidentPath } from './incident-layer.ts';
import { BASE_LAYERS, buildStyle, modeLayout, type BaseData, type MapMode, type MapTheme } from './style.ts';

maplibregl.setWorkerUrl(workerUrl);

export interface MapOptions {
  theme: MapTheme;
  interactive: boolean;
  /** Pulse urgent and overdue cases (the wall). */
  animate?: boolean;
  /** Size factor for text and symbols (the wall: rem / 16). */
  scale?: number;
  onSelect?: (code: string, level: UnitLevel) => void;
  /** Any click, as a place (picking a report's location). */
  onPick?: (lng: number, lat: number) => void;
}

const LEVEL_LAYERS = ['building-fill', 'grid-fill', 'community-fill', 'street-fill'] as const;
/** The polygon sources whose fill colours by a value (feature-state). */
type ChoroplethSource = 'streets' | 'communities' | 'grids';

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };

export function useMap(container: Ref<HTMLElement | null>, options: MapOptions) {
  const geography = useGeographyStore();
  /** The map has drawn everything once (its `load`). */
  const ready = shallowRef(false);
  let map: maplibregl.Map | null = null;
  /**
   * The map's style has loaded: its sources, layers and feature-state can be set (tiles may still be
   * loading). Until then the setters only record what the views want, and it is all applied when the
   * style loads, before the first tiles. Applied after the map's `load`, each overlay would re-tile
   * its source in the worker and cost more frames before the first idle, and the first frames would
   * show the wrong mode.
   */
  let styled = false;
  const wanted = {
    mode: 'admin' as MapMode,
    heat: false,
    party: EMPTY as FeatureCollection,
    tasks: [] as readonly Task[],
    /** The unit framed and outlined, or null for the whole district. */
    focus: null as string | null,
    choropleth: new Map<ChoroplethSource, ReadonlyMap<string, number>>(),
  };
  let basemap: BaseMap | null = null;
  let datum: Datum = 'wgs84';
  const shown: Partial<Record<string, GeoJSON>> = {};
  const painted = new Map<string, Set<string>>();
  const pulse = createAlertPulse(() => map, options.scale ?? 1);
  const incidents = createIncidentLayer({ map: () => map, datum: () => datum, onAlerts: (n) => pulse.setAlerts(n) });
  const unit = (code: string): Feature | undefined => findUnit(geography.layers, code, datum);

  /** What each overlay source was last given (JSON), so an unchanged one is not sent to the worker again. */
  const sent = new Map<string, string>();
  const setSource = (id: 'party' | 'tasks' | 'selection', data: GeoJSON): void => {
    const json = JSON.stringify(data);
    if (!map || !styled || sent.get(id) === json) return;
    sent.set(id, json);
    void (map.getSource(id) as maplibregl.GeoJSONSource).setData(data);
  };
  /** Sets a layout property unless it already has that value (MapLibre would still draw a frame). */
  type Layout = Parameters<maplibregl.Map['setLayoutProperty']>;
  const setLayout = (layer: string, property: Layout[1], value: unknown): void => {
    if (map && styled && JSON.stringify(map.getLayoutProperty(layer, property)) !== JSON.stringify(value))
      map.setLayoutProperty(layer, property, value as Layout[2]);
  };
  const applyMode = (): void => {
    for (const [layer, property, value] of modeLayout(wanted.mode)) setLayout(layer, property, value);
  };
  const applyHeat = (): void => setLayout('incident-heat', 'visibility', wanted.heat ? 'visible' : 'none');
  const applyParty = (): void => setSource('party', wanted.party);
  const applyTasks = (): void => {
    const labels = geography.layers.labels as LabelCollection | undefined;
    if (!labels) return;
    const at = new Map(
      labels.features.filter((f) => f.properties.level === 'grid').map((f) => [f.properties.code, f.geometry.coordinates]),
    );
    const features: Feature<Point>[] = wanted.tasks.flatMap((t) => {
      const p = at.get(t.gridCode);
      return p
        ? [
            {
              type: 'Feature' as const,
              geometry: { type: 'Point' as const, coordinates: pointToDisplay(p[0]!, p[1]!, datum) },
              properties: { id: t.id, type: t.type, state: t.state },
            },
          ]
        : [];
    });
    setSource('tasks', { type: 'FeatureCollection', features });
  };
  const applySelection = (): void => setSource('selection', (wanted.focus && unit(wanted.focus)) || EMPTY);
  const applyChoropleth = (source: ChoroplethSource): void => {
    const values = wanted.choropleth.get(source);
    if (!map || !styled || !values) return;
    const before = painted.get(source) ?? new Set();
    for (const code of before) if (!values.has(code)) map.removeFeatureState({ source, id: code }, 'value');
    for (const [code, value] of values) map.setFeatureState({ source, id: code }, { value });
    painted.set(source, new Set(values.keys()));
  };
  /** The camera for the wanted unit (none: the whole district). */
  const frame = () => frameOf(wanted.focus ? unit(wanted.focus) : undefined, shown.streets as UnitCollection);

  /** Moves the camera to the wanted unit and outlines it (before the map exists, its opening view). */
  const fly = (animate: boolean): void => {
    if (!map) return;
    const { bounds, options } = frame();
    map.fitBounds(bounds, { ...options, duration: animate ? 1200 : 0 });
    applySelection();
  };

  onMounted(async () => {
    const config = await geography.loadMapBase();
    if (!container.value) return;
    basemap = config.basemap;
    datum = basemap?.datum ?? 'wgs84';
    for (const name of BASE_LAYERS) shown[name] = toDisplay(geography.layers[name] as GeoJSON, datum);
    const style = buildStyle(options.theme, shown as BaseData, options.scale ?? 1, basemap);
    const opening = frame();
    map = new maplibregl.Map({
      container: container.value,
      style,
      bounds: opening.bounds,
      fitBoundsOptions: opening.options,
      attributionControl: false,
      interactive: options.interactive,
      localIdeographFontFamily: "'Noto Sans SC', sans-serif",
      maxZoom: 18,
      minZoom: 8,
    });
    if (basemap?.type === 'style') {
      // Our layers go on top of the configured style; its own background stays underneath.
      map.setStyle(basemap.url, {
        transformStyle: (_prev, next) => ({
          ...next!,
          sources: { ...next!.sources, ...style.sources },
          layers: [...next!.layers, ...style.layers.filter((l) => l.id !== 'ground')],
        }),
      });
    }
    // For end-to-end tests (read-only use), and the update path switch for bench/client.ts.
    exposeForTests('__lstMap', map);
    exposeForTests('__lstIncidentPath', (p: IncidentPath) => incidents.usePath(p));
    map.on('style.load', () => {
      // A configured base style replaces the first one: its sources start empty again.
      styled = true;
      for (const id of ['party', 'tasks', 'selection']) sent.set(id, JSON.stringify(EMPTY));
      painted.clear();
      applyMode();
      applyHeat();
      applyParty();
      applyTasks();
      applySelection();
      for (const source of wanted.choropleth.keys()) applyChoropleth(source);
      incidents.styled();
    });
    map.on('load', () => {
      ready.value = true;
    });
    if (testHooksEnabled()) map.on('idle', () => exposeForTests('__mapIdle', Date.now()));
    loadDetailLayersWhenZoomed(map, geography, datum);
    if (options.onPick) {
      map.on('click', (e) => {
        const [lng, lat] = pointFromDisplay(e.lngLat.lng, e.lngLat.lat, datum);
        options.onPick!(round6(lng), round6(lat));
      });
    }
    if (options.onSelect) {
      map.on('click', (e) => {
        const hit = map!.queryRenderedFeatures(e.point, { layers: [...LEVEL_LAYERS] })[0];
        const props = hit?.properties as { code?: string; level?: UnitLevel } | undefined;
        if (props?.code && props.level) options.onSelect!(props.code, props.level);
      });
      for (const layer of LEVEL_LAYERS) {
        map.on('mouseenter', layer, () => (map!.getCanvas().style.cursor = 'pointer'));
        map.on('mouseleave', layer, () => (map!.getCanvas().style.cursor = ''));
      }
    }
    if (options.animate) map.once('idle', () => pulse.start());
  });

  onBeforeUnmount(() => {
    incidents.dispose();
    pulse.dispose();
    map?.remove();
    map = null;
  });

  return {
    ready,
    /** The raw map, for tests and one-off needs; do not store it in reactive state. */
    raw: (): maplibregl.Map | null => map,
    /** The configured base map (null: none, fully offline), for its attribution and datum note. */
    basemap: (): BaseMap | null => basemap,
    setIncidents(list: Incident[]): void {
      incidents.set(list);
    },
    /** Colours streets, communities or grids by a 0–1 value per code (feature-state, no redraw of data). */
    setChoropleth(source: ChoroplethSource, values: ReadonlyMap<string, number>): void {
      wanted.choropleth.set(source, values);
      applyChoropleth(source);
    },
    /** Frames a unit and outlines it. */
    focus(code: string, animate = true): void {
      if (map && !unit(code)) return;
      wanted.focus = code;
      fly(animate);
    },
    resetView(animate = true): void {
      wanted.focus = null;
      fly(animate);
    },
    setHeat(on: boolean): void {
      wanted.heat = on;
      applyHeat();
    },
    setPartyPoints(points: FeatureCollection<Point>): void {
      wanted.party = points;
      applyParty();
    },
    /** Administrative view, or the party chain: labels name the leading organisation, service centres show. */
    setMode(mode: MapMode): void {
      wanted.mode = mode;
      applyMode();
    },
    /** Active tasks and patrols, at the label point of their grid. */
    setTasks(tasks: readonly Task[]): void {
      wanted.tasks = tasks;
      applyTasks();
    },
  };
}

export type MapHandle = ReturnType<typeof useMap>;

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
