/** Open cases per community and per grid, scaled 0–1, for colouring the map (feature-state). */
import { computed, type Ref } from 'vue';
import type { Incident } from '@contract/incidents.ts';

export type AreaMetric = 'open' | 'overdue';

export function useChoropleth(incidents: Ref<readonly Incident[]>, metric: Ref<AreaMetric>) {
  return computed(() => {
    const count = (len: number): Map<string, number> => {
      const counts = new Map<string, number>();
      for (const i of incidents.value) {
        if (!i.gridCode || (metric.value === 'overdue' && i.slaState !== 'red')) continue;
        const code = i.gridCode.slice(0, len);
        counts.set(code, (counts.get(code) ?? 0) + 1);
      }
      const max = Math.max(1, ...counts.values());
      return new Map([...counts].map(([k, v]) => [k, v / max]));
    };
    return [
      { source: 'streets' as const, values: count(9) },
      { source: 'communities' as const, values: count(12) },
      { source: 'grids' as const, values: count(15) },
    ];
  });
}
