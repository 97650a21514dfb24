/**
 * The map composable: creates the MapLibre map on mount (kept out of Vue's reactivity), feeds it
 * the geography and the live cases, and disposes it on unmount. Case points change at most every
 * FLUSH_MS, by diff (updateData: only new, changed and gone points cross to the worker) or by
 * replacing the whole set (setData); polygon colours go through feature-state.
 * bench/client.ts measures each path at 1,000 changes/s; the default is the faster one.
 */
import * as maplibregl from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { bbox } from '@turf/turf';
import type { Feature, FeatureCollection, GeoJSON, Point } from 'geojson';
import { onBeforeUnmount, onMounted, shallowRef, type Ref } from 'vue';
import type { LabelCollection, UnitCollection, UnitLevel } from '@contract/geo.ts';
import type { Task } from '@contract/tasks.ts';
import { needsAttention, type Incident } from '@contract/incidents.ts';
import { useGeographyStore } from '../stores/geography.ts';
import type { BaseMap } from '@contract/client-config.ts';
import { pointFromDisplay, pointToDisplay, toDisplay, type Datum } from './datum.ts';
import { pulsePacer } from './pulse.ts';
import { exposeForTests, testHooksEnabled } from '../test-hooks.ts';
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

export type IncidentPath = 'updateData' | 'setData';
/** The measured winner (bench/client.ts; figures in the README). */
const DEFAULT_INCIDENT_PATH: IncidentPath = 'updateData';

const LEVEL_LAYERS = ['building-fill', 'grid-fill', 'community-fill', 'street-fill'] as const;
/** The polygon sources whose fill colours by a value (feature-state). */
type ChoroplethSource = 'streets' | 'communities' | 'grids';

/**
 * Case points go to the map at most this often, in a task of their own. Flushed in the animation
 * frame, they shared the frame's rendering step with the map's render and the page's style and
 * layout (26–49 ms in software GL at 1,000 changes/s, past 50 now and then: 3–5 long tasks per 30 s;
 * on a timer 0–1; issue 6, ad hoc A/B, two 30 s runs each). A wall shows a change within a tenth of
 * a second either way.
 */
const FLUSH_MS = 100;

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };

export function useMap(container: Ref<HTMLElement | null>, options: MapOptions) {
  const geography = useGeographyStore();
  /** The map has drawn everything once (its `load`). */
  const ready = shallowRef(false);
  let map: maplibregl.Map | null = null;
  /**
   * The map's style has loaded: its sources, layers and feature-state can be set (tiles may still be
   * loading). Until then the setters only record what the views want, and it is all applied when the
   * style loads, before the first tiles. Applied after the map's `load`, as it was, each overlay
   * re-tiled its source in the worker and cost one to three more frames before the first idle
   * (issue 6), and the first frames showed the wrong mode.
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
  let pendingIncidents: Incident[] | null = null;
  let flushTimer = 0;
  /** The pulse's animation frame while it runs (0 when it rests). */
  let pulse = 0;
  /** When the pulse's first cycle began: at the map's first idle (−1 before, when it may not run). */
  let pulseFrom = -1;
  /** How many of the shown points are alerts (urgent, or overdue): the ring pulses around those. */
  let alerts = 0;
  let detailLoaded = false;
  let basemap: BaseMap | null = null;
  let datum: Datum = 'wgs84';
  const shown: Partial<Record<string, GeoJSON>> = {};
  const painted = new Map<string, Set<string>>();

  let incidentPath: IncidentPath = DEFAULT_INCIDENT_PATH;
  /**
   * Each shown point: the case it was drawn from and what it looks like, to send only differences.
   * A case object is never modified (each version is a new one), so an unchanged case is found by
   * identity and only the changed few are keyed (not 2,000 keys per flush).
   */
  let shownPoints = new Map<string, { incident: Incident; look: string }>();
  const pointOf = (i: Incident & { lng: number; lat: number }): Feature<Point> => ({
    type: 'Feature',
    id: i.id,
    geometry: { type: 'Point', coordinates: pointToDisplay(i.lng, i.lat, datum) },
    properties: { id: i.id, stage: i.stage, priority: i.priority, sla: i.slaState, alert: needsAttention(i) ? 1 : 0 },
  });
  /**
   * The ring around alert points grows and fades over 1.6 s, a step at a time (pulse.ts paces the
   * steps to what the frames cost). It starts after the first idle (restyling before that would keep
   * the map from ever reporting itself loaded), and it runs only while an alert point is shown: with
   * none, it repainted an unchanged map 12 times a second for nothing (issue 6).
   */
  const runPulse = (): void => {
    const run = map !== null && pulseFrom >= 0 && alerts > 0;
    if (!run && pulse) {
      cancelAnimationFrame(pulse);
      pulse = 0;
    } else if (run && !pulse) {
      const pacer = pulsePacer();
      const tick = (now: number): void => {
        if (!map) return;
        if (pacer.frame(now)) {
          const t = ((now - pulseFrom) % 1600) / 1600;
          map.setPaintProperty('incident-pulse', 'circle-radius', (8 + 14 * t) * (options.scale ?? 1));
          map.setPaintProperty('incident-pulse', 'circle-stroke-opacity', 0.9 * (1 - t));
        }
        pulse = requestAnimationFrame(tick);
      };
      pulse = requestAnimationFrame(tick);
    }
  };
  const flushIncidents = (): void => {
    flushTimer = 0;
    const source = map?.getSource('incidents') as maplibregl.GeoJSONSource | undefined;
    if (!source || !pendingIncidents) return;
    const located = pendingIncidents.filter((i): i is Incident & { lng: number; lat: number } => i.lng !== null && i.lat !== null);
    pendingIncidents = null;
    alerts = located.reduce((n, i) => (needsAttention(i) ? n + 1 : n), 0);
    runPulse();
    if (incidentPath === 'setData') {
      void source.setData({ type: 'FeatureCollection', features: located.map(pointOf) });
      return;
    }
    const next = new Map<string, { incident: Incident; look: string }>();
    const add: Feature[] = [];
    const remove: string[] = [];
    for (const i of located) {
      const before = shownPoints.get(i.id);
      if (before?.incident === i) {
        next.set(i.id, before);
        continue;
      }
      const look = `${i.stage}|${i.priority}|${i.slaState}|${i.lng}|${i.lat}`;
      next.set(i.id, { incident: i, look });
      if (before?.look === look) continue;
      if (before) remove.push(i.id); // changed: replaced whole (geometry and properties)
      add.push(pointOf(i));
    }
    for (const id of shownPoints.keys()) if (!next.has(id)) remove.push(id);
    if (add.length || remove.length) void source.updateData({ remove, add });
    shownPoints = next;
  };

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
  const applySelection = (): void => setSource('selection', (wanted.focus && findUnit(wanted.focus)) || EMPTY);
  const applyChoropleth = (source: ChoroplethSource): void => {
    const values = wanted.choropleth.get(source);
    if (!map || !styled || !values) return;
    const before = painted.get(source) ?? new Set();
    for (const code of before) if (!values.has(code)) map.removeFeatureState({ source, id: code }, 'value');
    for (const [code, value] of values) map.setFeatureState({ source, id: code }, { value });
    painted.set(source, new Set(values.keys()));
  };
  /** The camera for a unit (null: the whole district). */
  const frame = (code: string | null): { bounds: maplibregl.LngLatBoundsLike; options: maplibregl.FitBoundsOptions } => {
    const unit = code ? findUnit(code) : undefined;
    const [minX, minY, maxX, maxY] = bbox(unit ?? (shown.streets as UnitCollection));
    return {
      bounds: [
        [minX, minY],
        [maxX, maxY],
      ],
      options: unit ? { padding: 60, maxZoom: 17 } : { padding: 24 },
    };
  };

  /** Moves the camera to the wanted unit and outlines it (before the map exists, its opening view). */
  const fly = (animate: boolean): void => {
    if (!map) return;
    const { bounds, options } = frame(wanted.focus);
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
    const opening = frame(wanted.focus);
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
    exposeForTests('__lstIncidentPath', (p: IncidentPath) => {
      incidentPath = p;
      shownPoints = new Map();
      void (map?.getSource('incidents') as maplibregl.GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features: [] });
    });
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
      if (pendingIncidents) flushIncidents();
    });
    map.on('load', () => {
      ready.value = true;
    });
    if (testHooksEnabled()) map.on('idle', () => exposeForTests('__mapIdle', Date.now()));
    map.on('zoomend', () => {
      if (!map || detailLoaded || map.getZoom() < 15) return;
      detailLoaded = true;
      void Promise.all([geography.load('compounds'), geography.load('buildings'), geography.load('detail-labels')]).then(() => {
        (map?.getSource('compounds') as maplibregl.GeoJSONSource | undefined)?.setData(
          toDisplay(geography.layers.compounds as FeatureCollection, datum),
        );
        (map?.getSource('buildings') as maplibregl.GeoJSONSource | undefined)?.setData(
          toDisplay(geography.layers.buildings as FeatureCollection, datum),
        );
        const labels = [geography.layers.labels, geography.layers['detail-labels']] as LabelCollection[];
        (map?.getSource('labels') as maplibregl.GeoJSONSource | undefined)?.setData(
          toDisplay({ type: 'FeatureCollection', features: labels.flatMap((l) => l.features) }, datum),
        );
      });
    });
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
    if (options.animate) {
      map.once('idle', () => {
        pulseFrom = performance.now();
        runPulse();
      });
    }
  });

  onBeforeUnmount(() => {
    clearTimeout(flushTimer);
    cancelAnimationFrame(pulse);
    map?.remove();
    map = null;
  });

  return {
    ready,
    /** The raw map, for tests and one-off needs; do not store it in reactive state. */
    raw: (): maplibregl.Map | null => map,
    /** The configured base map (null: none, fully offline), for its attribution and datum note. */
    basemap: (): BaseMap | null => basemap,
    setIncidents(incidents: Incident[]): void {
      pendingIncidents = incidents;
      if (styled && !flushTimer) flushTimer = window.setTimeout(flushIncidents, FLUSH_MS);
    },
    /** Colours streets, communities or grids by a 0–1 value per code (feature-state, no redraw of data). */
    setChoropleth(source: ChoroplethSource, values: ReadonlyMap<string, number>): void {
      wanted.choropleth.set(source, values);
      applyChoropleth(source);
    },
    /** Frames a unit and outlines it. */
    focus(code: string, animate = true): void {
      if (map && !findUnit(code)) return;
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

  function findUnit(code: string): Feature | undefined {
    const level =
      code.length === 9
        ? 'streets'
        : code.length === 12
          ? 'communities'
          : code.length === 15
            ? 'grids'
            : code.length === 6
              ? 'district'
              : code.length === 18
                ? 'compounds'
                : 'buildings';
    const feature = (geography.layers[level] as FeatureCollection | undefined)?.features.find((f) => f.properties?.code === code);
    return feature && toDisplay(feature, datum);
  }
}

export type MapHandle = ReturnType<typeof useMap>;

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
