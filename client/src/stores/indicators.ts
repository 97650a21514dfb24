/** Indicators of the current scope, with when they last arrived in server time (for staleness). */
import { defineStore } from 'pinia';
import { shallowRef } from 'vue';
import { useConnectionStore } from './connection.ts';
import type { Indicators } from '@contract/indicators.ts';

export const useIndicatorsStore = defineStore('indicators', () => {
  const current = shallowRef<Indicators | null>(null);
  const receivedAt = shallowRef(0);
  function set(value: Indicators | null): void {
    if (!value || value === current.value) return;
    current.value = value;
    receivedAt.value = Date.now() + useConnectionStore().serverOffsetMs;
  }
  return { current, receivedAt, set };
});
