/** A ticking clock (ms), corrected by the server's clock offset; stops on unmount. */
import { onBeforeUnmount, ref } from 'vue';
import { useConnectionStore } from '../stores/connection.ts';

export function useNow(everyMs = 1000) {
  const conn = useConnectionStore();
  const now = ref(Date.now() + conn.serverOffsetMs);
  const timer = setInterval(() => (now.value = Date.now() + conn.serverOffsetMs), everyMs);
  onBeforeUnmount(() => clearInterval(timer));
  return now;
}
