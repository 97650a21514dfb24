/** Indicators of the current scope, with when they last arrived in server time (for staleness). */
import { defineStore } from 'pinia';
import { shallowRef } from 'vue';
import { useConnectionStore } from './connection.ts';
import type { Indicators } from '@contract/indicators.ts';

/** The figures alone: `computedAt` moves with every heartbeat even when nothing else does. */
const figures = (i: Indicators): string => JSON.stringify({ ...i, computedAt: null });

export const useIndicatorsStore = defineStore('indicators', () => {
  const current = shallowRef<Indicators | null>(null);
  let currentFigures = '';
  const receivedAt = shallowRef(0);
  function set(value: Indicators | null): void {
    if (!value || value === current.value) return;
    receivedAt.value = Date.now() + useConnectionStore().serverOffsetMs;
    // A heartbeat with the same figures keeps the same object, so that nothing derived from it
    // (the charts above all, which redraw on every new option) is rebuilt for nothing.
    const next = figures(value);
    if (next === currentFigures) return;
    current.value = value;
    currentFigures = next;
  }
  return { current, receivedAt, set };
});
