/**
 * Components fetched in a chunk of their own when first shown, retried until they arrive.
 *
 * ChartBox is the one: ECharts is most of the views' JavaScript. Loaded with the view, it would be
 * parsed and run before the view — and its map — could mount. So the map is constructed
 * first and the charts draw when their chunk arrives. A wall runs unattended, so a chunk lost to a
 * network blip is asked for again (after 1, 2, 4… up to 30 s) rather than leaving its panels empty.
 */
import { defineAsyncComponent, type Component } from 'vue';

/** The wait before attempt `attempts + 1`, after `attempts` failures. */
export const retryDelayMs = (attempts: number): number => Math.min(30_000, 1000 * 2 ** (attempts - 1));

export function lazyComponent<C extends Component>(load: () => Promise<{ default: C }>): C {
  return defineAsyncComponent({
    loader: load,
    onError: (_error, retry, _fail, attempts) => void setTimeout(retry, retryDelayMs(attempts)),
  }) as C;
}

export const ChartBox = lazyComponent(() => import('./ChartBox.vue'));
