/** Open cases in the current scope (a bounded set, replaced per batch): by id, and most urgent first. */
import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';
import { byUrgency, needsAttention, type Incident } from '@contract/incidents.ts';

export const useIncidentsStore = defineStore('incidents', () => {
  const byId = shallowRef(new Map<string, Incident>());
  const total = shallowRef(0);
  const recentlyFinished = shallowRef<Incident[]>([]);
  /** The latest batch of changes (new, urgent and overdue ones pulse on the map). */
  const lastChanged = shallowRef<Incident[]>([]);
  /** The same cases most urgent first, as the feed keeps them (no sort per batch). */
  const open = shallowRef<readonly Incident[]>([]);
  const urgent = computed(() => open.value.filter(needsAttention));
  function replace(
    map: Map<string, Incident>,
    ordered: readonly Incident[],
    count: number,
    finished: Incident[],
    changed: Incident[],
  ): void {
    byId.value = map;
    open.value = ordered;
    total.value = count;
    recentlyFinished.value = finished;
    lastChanged.value = changed;
  }
  /** Puts one case in place right away (after this user's own action), ahead of the feed. */
  function upsert(incident: Incident): void {
    const current = byId.value.get(incident.id);
    if (current && current.version >= incident.version) return;
    const next = new Map(byId.value);
    next.set(incident.id, incident);
    byId.value = next;
    open.value = [...next.values()].sort(byUrgency);
  }
  return { byId, total, recentlyFinished, lastChanged, open, urgent, replace, upsert };
});
