/**
 * The wall's scene rotation, pure: district overview → hot-spot community → SLA board → party
 * building, each with its duration and map extent; an urgent case interrupts for a while, then
 * the rotation resumes where it left off. In a burst of urgent cases each one shown stays up for
 * INTERRUPT_MIN_MS before the newest waiting one replaces it: a screen that jumped to every new
 * case could be read by nobody (and would fly the map at every delta under load).
 */
import type { Incident } from '@contract/incidents.ts';
type SceneId = 'overview' | 'hotspot' | 'sla' | 'party';

export interface Scene {
  id: SceneId;
  title: string;
  durationMs: number;
}

export const SCENES: readonly Scene[] = [
  { id: 'overview', title: '全区总览', durationMs: 30_000 },
  { id: 'hotspot', title: '热点社区', durationMs: 20_000 },
  { id: 'sla', title: '时限督办', durationMs: 20_000 },
  { id: 'party', title: '党建引领', durationMs: 20_000 },
];

export const INTERRUPT_MS = 15_000;
/** The least time an urgent case stays on screen before a newer one replaces it. */
export const INTERRUPT_MIN_MS = 5_000;

export interface RotationState {
  index: number;
  /** When the current scene started (ms). */
  since: number;
  /** An urgent case being shown since `since`, until `until`; `next`: the newest one waiting. */
  interrupt: { caseId: string; since: number; until: number; next: string | null } | null;
}

export const startRotation = (now: number): RotationState => ({ index: 0, since: now, interrupt: null });

/** Advances the rotation to `now`: ends an expired interrupt, moves past finished scenes. */
export function advance(state: RotationState, now: number, scenes: readonly Scene[] = SCENES): RotationState {
  if (state.interrupt) {
    const { next, since } = state.interrupt;
    if (next !== null && now >= since + INTERRUPT_MIN_MS)
      return { ...state, interrupt: { caseId: next, since: now, until: now + INTERRUPT_MS, next: null } };
    if (now < state.interrupt.until) return state;
    // Resume the interrupted scene from the start, so it gets its full time on screen.
    return { index: state.index, since: now, interrupt: null };
  }
  let { index, since } = state;
  while (now - since >= scenes[index]!.durationMs) {
    since += scenes[index]!.durationMs;
    index = (index + 1) % scenes.length;
  }
  return index === state.index && since === state.since ? state : { index, since, interrupt: null };
}

/**
 * An urgent case takes the screen. One already shown is replaced once it has been up for
 * INTERRUPT_MIN_MS; until then the newest case waits (advance() makes the switch).
 */
export function interrupt(state: RotationState, caseId: string, now: number): RotationState {
  const shown = state.interrupt;
  if (shown?.caseId === caseId) return state;
  if (shown && now < shown.since + INTERRUPT_MIN_MS) return { ...state, interrupt: { ...shown, next: caseId } };
  return { ...state, interrupt: { caseId, since: now, until: now + INTERRUPT_MS, next: null } };
}

/**
 * What the 热点社区 scene says about the community it shows, and why it is the hot one: the most
 * open cases in the district, how many of them late. Null without a community or cases.
 */
export function hotspotNote(
  cases: readonly Pick<Incident, 'communityCode' | 'slaState'>[],
  code: string | null,
  name: string,
): string | null {
  if (!code) return null;
  let open = 0;
  let late = 0;
  for (const c of cases) {
    if (c.communityCode !== code) continue;
    open++;
    if (c.slaState === 'red') late++;
  }
  if (open === 0) return null;
  return `${name}：在办 ${open} 件${late ? `（超时 ${late}）` : ''}，全区最多`;
}
