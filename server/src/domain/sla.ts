/**
 * SLA clocks (docs/design.md §2): a time limit per stage × class × priority, counted in working hours on
 * a working calendar (or natural hours, per priority), amber at 80 %, red at 100 %, then 督办 and
 * escalation one level up (branch → community → street → district) each further full limit.
 * Limits and the calendar are configuration (data/config/*.json), parsed here with a schema.
 */
import { z } from 'zod';
import {
  ESCALATION_LABELS,
  ESCALATION_LEVELS,
  INCIDENT_CLASSES,
  PRIORITIES,
  STAGES,
  type Incident,
  type IncidentClass,
  type Priority,
  type SlaState,
  type Stage,
} from '../contract/incidents.ts';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const calendarSchema = z
  .object({
    note: z.string().optional(),
    workingHours: z.array(z.tuple([hhmm, hhmm])).min(1),
    weekend: z.array(z.number().int().min(0).max(6)),
    holidays: z.array(day),
    makeUpWorkdays: z.array(day),
  })
  .strict();
export type WorkCalendar = z.infer<typeof calendarSchema>;

export const slaConfigSchema = z
  .object({
    note: z.string().optional(),
    amberAt: z.number().gt(0).lt(1),
    stageHours: z.partialRecord(z.enum(STAGES), z.number().positive()),
    handlingHours: z.record(z.enum(INCIDENT_CLASSES as [IncidentClass, ...IncidentClass[]]), z.number().positive()),
    priorityFactor: z.record(z.enum(PRIORITIES), z.number().positive()),
    clock: z.record(z.enum(PRIORITIES), z.enum(['working', 'natural'])),
  })
  .strict();
export type SlaConfig = z.infer<typeof slaConfigSchema>;

const HOUR = 3_600_000;
const SHANGHAI_OFFSET = 8 * HOUR; // UTC+8, no daylight saving

export interface SlaClock {
  /** Limit of the stage clock in hours of its kind, or null when the stage has no clock. */
  limitHours(incident: Pick<Incident, 'class' | 'priority'>, stage: Stage): number | null;
  deadline(incident: Pick<Incident, 'class' | 'priority'>, stage: Stage, start: Date): Date | null;
  /** Elapsed share of the current stage's clock (1 = deadline reached), 0 when none runs. */
  fraction(incident: Incident, now: Date): number;
  /** The first moment (whole ms) at which the current stage's clock has run this share of its limit; null when none runs. */
  at(incident: Incident, share: number): number | null;
}

/** `timeScale` > 1 compresses every limit (demo mode: 60 turns an hour into a minute). */
export function createSlaClock(config: SlaConfig, calendar: WorkCalendar, timeScale = 1): SlaClock {
  const work = createWorkingTime(calendar);
  const kind = (p: Priority): 'working' | 'natural' => (timeScale === 1 ? config.clock[p] : 'natural');
  const limitHours: SlaClock['limitHours'] = (incident, stage) => {
    const base = stage === 'handling' ? config.handlingHours[incident.class] : config.stageHours[stage];
    return base === undefined ? null : (base * config.priorityFactor[incident.priority]) / timeScale;
  };
  const between = (p: Priority, a: number, b: number): number => (kind(p) === 'natural' ? b - a : work.between(a, b));
  return {
    limitHours,
    deadline(incident, stage, start) {
      const hours = limitHours(incident, stage);
      if (hours === null) return null;
      const t = start.getTime();
      return new Date(kind(incident.priority) === 'natural' ? t + hours * HOUR : work.add(t, hours * HOUR));
    },
    fraction(incident, now) {
      if (!incident.deadline) return 0;
      const start = Date.parse(incident.stageEnteredAt);
      const span = between(incident.priority, start, Date.parse(incident.deadline));
      const elapsed = between(incident.priority, start, now.getTime());
      if (span <= 0) return elapsed > 0 ? Infinity : 0;
      return elapsed / span;
    },
    at(incident, share) {
      if (!incident.deadline) return null;
      const start = Date.parse(incident.stageEnteredAt);
      const span = between(incident.priority, start, Date.parse(incident.deadline));
      if (span <= 0) return start; // a clock without length: due at once, slaUpdate decides
      const t = kind(incident.priority) === 'natural' ? start + share * span : work.add(start, share * span);
      return Math.ceil(t);
    },
  };
}

export interface SlaEvent {
  type: 'sla-amber' | 'sla-red' | 'escalate';
  note: string;
}

/**
 * What the clock says about an open case now: its new state and the events to record (amber once,
 * red once with automatic 督办, one escalation per further full limit, up to the district).
 * Returns null when nothing changes.
 */
export function slaUpdate(incident: Incident, now: Date, clock: SlaClock, amberAt: number): { next: Incident; events: SlaEvent[] } | null {
  if (!incident.deadline) return null;
  const f = clock.fraction(incident, now);
  const state: SlaState = f >= 1 ? 'red' : f >= amberAt ? 'amber' : 'ok';
  const level = f >= 1 ? Math.min(ESCALATION_LEVELS.length - 1, Math.floor(f)) : incident.escalationLevel;
  const events: SlaEvent[] = [];
  const next: Incident = { ...incident };
  if (state !== incident.slaState && rank(state) > rank(incident.slaState)) {
    next.slaState = state;
    if (state === 'amber' || (state === 'red' && incident.slaState === 'ok')) events.push({ type: 'sla-amber', note: '时限已过 80%' });
    if (state === 'red') {
      events.push({ type: 'sla-red', note: '已超时，自动督办' });
      next.supervised = true;
      next.lateStages = incident.lateStages + 1;
    }
  }
  for (let l = incident.escalationLevel + 1; l <= level; l++) {
    events.push({ type: 'escalate', note: `超时升级至${ESCALATION_LABELS[l]}` });
  }
  if (level > incident.escalationLevel) next.escalationLevel = level;
  if (events.length === 0) return null;
  return { next: { ...next, version: incident.version + 1, updatedAt: now.toISOString() }, events };
}

/**
 * When slaUpdate can next change this case (ms since the epoch): the moment its stage clock reaches
 * the next threshold — amber, red, the next escalation — or null when nothing more can happen
 * (no clock, or red at the top level). Before that moment slaUpdate returns null, so the sweep
 * looks only at cases that are due instead of re-reading every open case, which stalled the event
 * loop in proportion to the open cases (docs/decisions/sla-sweep.md).
 */
export function nextSlaCheck(incident: Incident, clock: SlaClock, amberAt: number): number | null {
  const thresholds: number[] = [];
  if (rank(incident.slaState) < rank('amber')) thresholds.push(amberAt);
  if (rank(incident.slaState) < rank('red')) thresholds.push(1);
  if (incident.escalationLevel < ESCALATION_LEVELS.length - 1) thresholds.push(Math.max(1, incident.escalationLevel + 1));
  return thresholds.length === 0 ? null : clock.at(incident, Math.min(...thresholds));
}

const rank = (s: SlaState): number => (s === 'ok' ? 0 : s === 'amber' ? 1 : 2);

/** Working-time arithmetic on the calendar, in milliseconds since the epoch (UTC). */
export function createWorkingTime(calendar: WorkCalendar): {
  add(start: number, ms: number): number;
  between(a: number, b: number): number;
} {
  const holidays = new Set(calendar.holidays);
  const makeUp = new Set(calendar.makeUpWorkdays);
  const intervals = calendar.workingHours.map(([a, b]) => [minutes(a) * 60_000, minutes(b) * 60_000] as const);
  /** Working intervals [from, to) in UTC ms for the local day starting at dayStart (UTC ms of local midnight). */
  const daySpans = (dayStart: number): (readonly [number, number])[] => {
    const date = new Date(dayStart + SHANGHAI_OFFSET);
    const iso = date.toISOString().slice(0, 10);
    const working = makeUp.has(iso) || (!holidays.has(iso) && !calendar.weekend.includes(date.getUTCDay()));
    return working ? intervals.map(([a, b]) => [dayStart + a, dayStart + b] as const) : [];
  };
  const localMidnight = (t: number): number => Math.floor((t + SHANGHAI_OFFSET) / (24 * HOUR)) * 24 * HOUR - SHANGHAI_OFFSET;
  return {
    add(start, ms) {
      let left = ms;
      for (let d = localMidnight(start), guard = 0; guard < 3660; d += 24 * HOUR, guard++) {
        for (const [a, b] of daySpans(d)) {
          const from = Math.max(a, start);
          if (from >= b) continue;
          if (b - from >= left) return from + left;
          left -= b - from;
        }
      }
      throw new Error('working calendar has no working time within ten years');
    },
    between(a, b) {
      if (b <= a) return 0;
      let total = 0;
      for (let d = localMidnight(a); d < b; d += 24 * HOUR) {
        for (const [x, y] of daySpans(d)) total += Math.max(0, Math.min(y, b) - Math.max(x, a));
      }
      return total;
    },
  };
}

function minutes(hm: string): number {
  const [h, m] = hm.split(':').map(Number);
  return h! * 60 + m!;
}
