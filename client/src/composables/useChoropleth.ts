/**
 * Area colours for the map (feature-state, 0 calm … 1 alarming): open or overdue cases counted from
 * the live cases, or the shortfall in on-time closure from the scope's indicator rankings.
 */
import { computed, type Ref } from 'vue';
import type { Incident } from '@contract/incidents.ts';
import type { Indicators } from '@contract/indicators.ts';

export type AreaMetric = 'open' | 'overdue' | 'ontime';

export function useChoropleth(incidents: Ref<readonly Incident[]>, metric: Ref<AreaMetric>, indicators?: Ref<Indicators | null>) {
  return computed(() => {
    if (metric.value === 'ontime') {
      const rows = [...(indicators?.value?.communityRanking ?? []), ...(indicators?.value?.ranking ?? [])];
      const shortfall = (len: number): Map<string, number> =>
        new Map(rows.filter((r) => r.code.length === len).map((r) => [r.code, 1 - r.onTimeRate]));
      return [
        { source: 'streets' as const, values: shortfall(9) },
        { source: 'communities' as const, values: shortfall(12) },
        { source: 'grids' as const, values: shortfall(15) },
      ];
    }
    // One pass over the cases by grid; communities and streets add up their grids' counts (the
    // wall recomputes this at every delta, so a pass per level would triple its cost).
    const byGrid = new Map<string, number>();
    for (const i of incidents.value) {
      if (!i.gridCode || (metric.value === 'overdue' && i.slaState !== 'red')) continue;
      byGrid.set(i.gridCode, (byGrid.get(i.gridCode) ?? 0) + 1);
    }
    const count = (len: number): Map<string, number> => {
      const counts = new Map<string, number>();
      for (const [grid, n] of byGrid) {
        const code = grid.slice(0, len);
        counts.set(code, (counts.get(code) ?? 0) + n);
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
