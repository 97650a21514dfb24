import { describe, expect, it } from 'vitest';
import { ref } from 'vue';
import type { Incident } from '@contract/incidents.ts';
import { useChoropleth, type AreaMetric } from './useChoropleth.ts';

const at = (gridCode: string | null, slaState: Incident['slaState'] = 'ok'): Incident => ({ gridCode, slaState }) as Incident;

describe('area colours from live cases', () => {
  const cases = [
    at('431103003004001'),
    at('431103003004001', 'red'),
    at('431103003004002'),
    at('431103003005001', 'red'),
    at('431103001001001'),
    at(null),
  ];
  const values = (metric: AreaMetric) =>
    Object.fromEntries(useChoropleth(ref(cases), ref(metric)).value.map((l) => [l.source, Object.fromEntries(l.values)]));

  it('counts open cases per street, community and grid, relative to the busiest of each level', () => {
    expect(values('open')).toEqual({
      streets: { '431103003': 1, '431103001': 0.25 },
      communities: { '431103003004': 1, '431103003005': 1 / 3, '431103001001': 1 / 3 },
      grids: { '431103003004001': 1, '431103003004002': 0.5, '431103003005001': 0.5, '431103001001001': 0.5 },
    });
  });

  it('counts only overdue cases for the overdue metric', () => {
    expect(values('overdue')).toEqual({
      streets: { '431103003': 1 },
      communities: { '431103003004': 1, '431103003005': 1 },
      grids: { '431103003004001': 1, '431103003005001': 1 },
    });
  });
});
