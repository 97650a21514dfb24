import { describe, expect, it } from 'vitest';
import type { Indicators } from '@contract/indicators.ts';
import { classMixOption, DARK, rankingOption, stageFunnelOption, trendOption } from './options.ts';

const ind = {
  scope: '431103',
  todayByStage: { reported: 3, dispatched: 2, closed: 4, evaluated: 1 },
  classMix: { 市容环境: 5, 街面秩序: 9 },
  trend24h: [{ at: '2026-11-30T00:00:00.000Z', reported: 2, closed: 1 }],
  ranking: [],
  communityRanking: [
    { code: 'a', name: '通化街社区', score: 95, open: 2, overdue: 0, closureRate: 1, onTimeRate: 0.9 },
    { code: 'b', name: '凌云社区', score: 60, open: 5, overdue: 2, closureRate: 0.5, onTimeRate: 0.5 },
  ],
} as unknown as Indicators;
const series = (o: object): { data: unknown[] }[] => (o as { series: { data: unknown[] }[] }).series;

describe('chart options', () => {
  it('orders the class mix largest first', () => {
    expect(series(classMixOption(ind, DARK))[0]!.data).toEqual([
      { name: '街面秩序', value: 9 },
      { name: '市容环境', value: 5 },
    ]);
  });
  it('counts each stage of the funnel as the cases that reached it', () => {
    const values = (series(stageFunnelOption(ind, DARK))[0]!.data as { value: number }[]).map((d) => d.value);
    // reported, accepted, registered, dispatched, handling, handled, verified, closed(+evaluated)
    expect(values).toEqual([10, 7, 7, 7, 5, 5, 5, 5]);
  });
  it('ranks with short names and flags units with overdue cases', () => {
    const o = rankingOption(ind.communityRanking, DARK) as {
      yAxis: { data: string[] };
      series: { data: { value: number; itemStyle: { color: string } }[] }[];
    };
    expect(o.yAxis.data).toEqual(['通化街', '凌云']);
    expect(o.series[0]!.data[1]!.itemStyle.color).not.toBe(o.series[0]!.data[0]!.itemStyle.color);
  });
  it('plots reported and closed per hour', () => {
    expect(series(trendOption(ind.trend24h, DARK)).map((s) => s.data)).toEqual([[2], [1]]);
  });
});
