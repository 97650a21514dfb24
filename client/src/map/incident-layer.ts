/**
 * The live cases on the map: their points change at most every FLUSH_MS, by diff (`updateData`:
 * only new, changed and gone points cross to the map's worker) or by replacing the whole set
 * (`setData`). bench/client.ts measures each path under a stream of changes; the default is the
 * faster one (docs/decisions/map-updates.md).
 */
import type * as maplibregl from 'maplibre-gl';
import type { Feature, Point } from 'geojson';
import { needsAttention, type Incident } from '@contract/incidents.ts';
import { pointToDisplay, type Datum } from './datum.ts';

export type IncidentPath = 'updateData' | 'setData';
const DEFAULT_INCIDENT_PATH: IncidentPath = 'updateData';

/**
 * Case points go to the map at most this often, in a task of their own. Flushed in the animation
 * frame, they would share the frame's rendering step with the map's render and the page's style
 * and layout, and make long tasks under a stream of changes. A wall shows a change within a tenth
 * of a second either way.
 */
const FLUSH_MS = 100;

type Located = Incident & { lng: number; lat: number };

export interface IncidentLayer {
  /** The cases to show now (the latest call wins; flushed within FLUSH_MS once the map is styled). */
  set(incidents: Incident[]): void;
  /** The map's style has (re)loaded: its incidents source is empty, so send everything wanted. */
  styled(): void;
  /** Switches the update path (bench/client.ts compares them), starting from an empty source. */
  usePath(path: IncidentPath): void;
  dispose(): void;
}

export function createIncidentLayer(deps: {
  map(): maplibregl.Map | null;
  datum(): Datum;
  /** How many of the shown points are alerts (urgent, or overdue), after each flush. */
  onAlerts(count: number): void;
}): IncidentLayer {
  let pending: Incident[] | null = null;
  let timer = 0;
  let ready = false;
  let path: IncidentPath = DEFAULT_INCIDENT_PATH;
  /**
   * Each shown point: the case it was drawn from and what it looks like, to send only differences.
   * A case object is never modified (each version is a new one), so an unchanged case is found by
   * identity and only the changed few are keyed.
   */
  let shown = new Map<string, { incident: Incident; look: string }>();

  const source = (): maplibregl.GeoJSONSource | undefined => deps.map()?.getSource('incidents') as maplibregl.GeoJSONSource | undefined;
  const pointOf = (i: Located): Feature<Point> => ({
    type: 'Feature',
    id: i.id,
    geometry: { type: 'Point', coordinates: pointToDisplay(i.lng, i.lat, deps.datum()) },
    properties: { id: i.id, stage: i.stage, priority: i.priority, sla: i.slaState, alert: needsAttention(i) ? 1 : 0 },
  });

  const flush = (): void => {
    timer = 0;
    const target = source();
    if (!target || !pending) return;
    const located = pending.filter((i): i is Located => i.lng !== null && i.lat !== null);
    pending = null;
    deps.onAlerts(located.reduce((n, i) => (needsAttention(i) ? n + 1 : n), 0));
    if (path === 'setData') {
      void target.setData({ type: 'FeatureCollection', features: located.map(pointOf) });
      return;
    }
    const next = new Map<string, { incident: Incident; look: string }>();
    const add: Feature[] = [];
    const remove: string[] = [];
    for (const i of located) {
      const before = shown.get(i.id);
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
    for (const id of shown.keys()) if (!next.has(id)) remove.push(id);
    if (add.length || remove.length) void target.updateData({ remove, add });
    shown = next;
  };

  return {
    set(incidents) {
      pending = incidents;
      if (ready && !timer) timer = window.setTimeout(flush, FLUSH_MS);
    },
    styled() {
      ready = true;
      shown = new Map();
      if (pending) flush();
    },
    usePath(p) {
      path = p;
      shown = new Map();
      void source()?.setData({ type: 'FeatureCollection', features: [] });
    },
    dispose() {
      clearTimeout(timer);
    },
  };
}
