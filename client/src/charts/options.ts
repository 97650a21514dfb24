/**
 * ECharts option builders: pure functions from indicators to options, unit-tested. `base` is the
 * text size in px (1rem), so the wall's charts scale with the screen like the rest of it.
 */
import type { EChartsOption } from 'echarts';
import { STAGE_LABELS, type Stage } from '@contract/incidents.ts';
import type { Indicators, RankingRow, TrendPoint } from '@contract/indicators.ts';
import { TASK_STATE_LABELS } from '@contract/tasks.ts';
import { ACCENT, CHART_SERIES, OKABE_ITO, STAGE_COLORS } from '../theme.ts';
import { clockText } from '../format.ts';

export interface ChartTheme {
  base: number;
  /** Axis labels and legends (the wall keeps them at body size, ≥ 16 px at 1080p). */
  small: number;
  text: string;
  axis: string;
  split: string;
}

export const DARK: ChartTheme = { base: 16, small: 16, text: '#d8e6f7', axis: '#5b7ba3', split: 'rgba(91,123,163,0.25)' };
export const LIGHT: ChartTheme = { base: 13, small: 12, text: '#2a3b4d', axis: '#8aa0b6', split: 'rgba(0,0,0,0.08)' };

const common = (t: ChartTheme): EChartsOption => ({
  backgroundColor: 'transparent',
  textStyle: { color: t.text, fontSize: t.base, fontFamily: 'Noto Sans SC, sans-serif' },
  animationDuration: 600,
});

/** Share of cases per class over 30 days, as a ring. */
export function classMixOption(ind: Indicators, t: ChartTheme): EChartsOption {
  const data = Object.entries(ind.classMix)
    .sort((a, b) => b[1] - a[1])
    .map(([name, value]) => ({ name, value }));
  return {
    ...common(t),
    color: CHART_SERIES,
    tooltip: { trigger: 'item', formatter: '{b}：{c} 件（{d}%）' },
    legend: {
      type: 'scroll',
      orient: 'vertical',
      right: 0,
      top: 'middle',
      textStyle: { color: t.text, fontSize: t.small },
      itemWidth: t.small * 0.8,
      itemHeight: t.small * 0.8,
    },
    series: [{ type: 'pie', radius: ['45%', '72%'], center: ['32%', '52%'], label: { show: false }, data }],
  };
}

/** Reported and closed per hour over the last 24 hours. */
export function trendOption(points: readonly TrendPoint[], t: ChartTheme, daily = false): EChartsOption {
  const labels = points.map((p) => (daily ? p.at.slice(5, 10) : clockText(p.at, false)));
  return {
    ...common(t),
    color: [ACCENT, OKABE_ITO.green],
    tooltip: { trigger: 'axis' },
    legend: { data: ['上报', '结案'], top: 0, right: 0, textStyle: { color: t.text, fontSize: t.small } },
    grid: { left: t.base * 2.4, right: t.base, top: t.base * 2.2, bottom: t.base * 1.8 },
    xAxis: {
      type: 'category',
      data: labels,
      axisLine: { lineStyle: { color: t.axis } },
      axisLabel: { color: t.text, fontSize: t.small, interval: daily ? 4 : 3 },
    },
    yAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: t.split } }, axisLabel: { color: t.text, fontSize: t.small } },
    series: [
      { name: '上报', type: 'line', smooth: true, showSymbol: false, areaStyle: { opacity: 0.15 }, data: points.map((p) => p.reported) },
      { name: '结案', type: 'line', smooth: true, showSymbol: false, data: points.map((p) => p.closed) },
    ],
  };
}

/** Labelled horizontal bars, one per category, each with its own colour: the shape of three panels. */
function labelledBars(
  t: ChartTheme,
  bars: readonly { label: string; value: number; color: string }[],
  labelRem: number,
  max?: number,
): EChartsOption {
  return {
    ...common(t),
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: t.base * labelRem, right: t.base * 2.6, top: t.base * 0.3, bottom: t.base * 0.3 },
    xAxis: { type: 'value', show: false, ...(max === undefined ? {} : { max }) },
    yAxis: {
      type: 'category',
      inverse: true,
      data: bars.map((b) => b.label),
      axisLine: { show: false },
      axisTick: { show: false },
      axisLabel: { color: t.text, fontSize: t.small },
    },
    series: [
      {
        type: 'bar',
        barWidth: '58%',
        label: { show: true, position: 'right', color: t.text, fontSize: t.small },
        data: bars.map((b) => ({ value: b.value, itemStyle: { color: b.color } })),
      },
    ],
  };
}

const FUNNEL_STAGES: Stage[] = ['reported', 'accepted', 'registered', 'dispatched', 'handling', 'handled', 'verified', 'closed'];

/** Today's cases by the furthest stage reached, as a closed-loop funnel (受理 → 结案). */
export function stageFunnelOption(ind: Indicators, t: ChartTheme): EChartsOption {
  const counts = FUNNEL_STAGES.map((s) => ind.todayByStage[s] ?? 0);
  counts[counts.length - 1]! += ind.todayByStage.evaluated ?? 0;
  // A case at stage k has passed every stage before it: cumulative from the end.
  const reached = counts.map((_, i) => counts.slice(i).reduce((a, b) => a + b, 0));
  return labelledBars(
    t,
    FUNNEL_STAGES.map((s, i) => ({ label: STAGE_LABELS[s], value: reached[i]!, color: STAGE_COLORS[s] })),
    3.2,
  );
}

/** Units ranked by the composite score; amber where a unit has overdue cases. */
export function rankingOption(rows: readonly RankingRow[], t: ChartTheme, top = 10): EChartsOption {
  return labelledBars(
    t,
    rows.slice(0, top).map((r) => ({
      label: r.name.replace(/社区$|街道$/, ''),
      value: r.score,
      color: r.overdue > 0 ? OKABE_ITO.orange : OKABE_ITO.green,
    })),
    6.5,
    100,
  );
}

const TASK_COLORS = { planned: OKABE_ITO.skyBlue, active: OKABE_ITO.orange, done: OKABE_ITO.green, missed: OKABE_ITO.vermillion } as const;

/** This week's tasks by state. */
export function tasksOption(ind: Indicators, t: ChartTheme): EChartsOption {
  return labelledBars(
    t,
    (['planned', 'active', 'done', 'missed'] as const).map((s) => ({
      label: TASK_STATE_LABELS[s],
      value: ind.tasks.week[s] ?? 0,
      color: TASK_COLORS[s],
    })),
    4,
  );
}
