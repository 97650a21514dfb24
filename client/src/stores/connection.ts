/** Connection state of the live feed, for the header badge and per-panel staleness. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { LinkStatus } from '../feed/feed-client.ts';

export const useConnectionStore = defineStore('connection', () => {
  const status = ref<LinkStatus>('connecting');
  const scope = ref<string | null>(null);
  const seq = ref(0);
  const serverOffsetMs = ref(0);
  return { status, scope, seq, serverOffsetMs };
});
