/**
 * Colours: the Okabe–Ito palette (colour-blind safe) for stages and SLA states. SLA state is also
 * carried by a second cue — an icon and an outline style — so it survives a washed-out projector.
 */
import type { Priority, SlaState, Stage } from '@contract/incidents.ts';

export const OKABE_ITO = {
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  green: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  purple: '#CC79A7',
  grey: '#999999',
} as const;

export const ACCENT = '#3FA9F5';

export const STAGE_COLORS: Readonly<Record<Stage, string>> = {
  reported: OKABE_ITO.skyBlue,
  accepted: OKABE_ITO.skyBlue,
  registered: OKABE_ITO.blue,
  dispatched: OKABE_ITO.purple,
  handling: OKABE_ITO.orange,
  handled: OKABE_ITO.yellow,
  verified: OKABE_ITO.green,
  closed: OKABE_ITO.green,
  evaluated: OKABE_ITO.green,
  rejected: OKABE_ITO.grey,
  shelved: OKABE_ITO.grey,
  merged: OKABE_ITO.grey,
};

export const SLA_STYLE: Readonly<Record<SlaState, { color: string; icon: string; label: string }>> = {
  ok: { color: OKABE_ITO.green, icon: '●', label: '正常' },
  amber: { color: OKABE_ITO.orange, icon: '▲', label: '临期' },
  red: { color: OKABE_ITO.vermillion, icon: '■', label: '超时' },
};

export const PRIORITY_STYLE: Readonly<Record<Priority, { color: string; weight: number }>> = {
  一般: { color: '#C8D3E0', weight: 1 },
  紧急: { color: OKABE_ITO.orange, weight: 2 },
  重大: { color: OKABE_ITO.vermillion, weight: 3 },
};

export const CHART_SERIES = [
  OKABE_ITO.skyBlue,
  OKABE_ITO.orange,
  OKABE_ITO.green,
  OKABE_ITO.yellow,
  OKABE_ITO.blue,
  OKABE_ITO.vermillion,
  OKABE_ITO.purple,
  OKABE_ITO.grey,
];
