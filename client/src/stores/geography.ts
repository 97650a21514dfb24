/**
 * Geography layers for the map and unit details, fetched once from /api/geography and /api/units,
 * and the client configuration the map is drawn with (/api/client-config: the base map).
 */
import { defineStore } from 'pinia';
import { shallowRef } from 'vue';
import type { BoundaryCollection, LabelCollection, UnitCollection } from '@contract/geo.ts';
import type { UnitDetail } from '@contract/responses.ts';
import type { ClientConfig } from '@contract/client-config.ts';
import { BASE_LAYERS } from '../map/style.ts';
import { api } from '../services/api.ts';

export type BaseLayer = (typeof BASE_LAYERS)[number];
/** Loaded on demand: polygons and label points below the grid (the map at zoom ≥ 15, the search). */
export type DetailLayer = 'compounds' | 'buildings' | 'detail-labels';

export const useGeographyStore = defineStore('geography', () => {
  const layers = shallowRef<Partial<Record<BaseLayer | DetailLayer, UnitCollection | LabelCollection | BoundaryCollection>>>({});
  const loading = new Map<string, Promise<void>>();
  const details = new Map<string, Promise<UnitDetail>>();
  function load(name: BaseLayer | DetailLayer): Promise<void> {
    let p = loading.get(name);
    if (!p) {
      p = api<UnitCollection | LabelCollection | BoundaryCollection>('GET', `/geography/${name}`).then((data) => {
        layers.value = { ...layers.value, [name]: data };
      });
      p.catch(() => loading.delete(name));
      loading.set(name, p);
    }
    return p;
  }
  function loadBase(): Promise<void[]> {
    return Promise.all(BASE_LAYERS.map(load));
  }
  let config: Promise<ClientConfig> | null = null;
  /** What a map needs before it can be drawn: the base layers and the client configuration. */
  function loadMapBase(): Promise<ClientConfig> {
    if (!config) {
      config = api<ClientConfig>('GET', '/client-config');
      config.catch(() => (config = null));
    }
    return Promise.all([loadBase(), config]).then(([, c]) => c);
  }
  function unit(code: string): Promise<UnitDetail> {
    let p = details.get(code);
    if (!p) {
      p = api<UnitDetail>('GET', `/units/${code}`);
      p.catch(() => details.delete(code));
      details.set(code, p);
    }
    return p;
  }
  return { layers, load, loadMapBase, unit };
});
