/**
 * The ring around alert points (urgent or overdue cases) grows and fades over PULSE_CYCLE_MS, a
 * step at a time, each step paced by pulse.ts to what the frames cost. It starts after the map's
 * first idle (restyling before that would keep the map from ever reporting itself loaded), and it
 * runs only while an alert point is shown: with none, it would repaint an unchanged map many times
 * a second for nothing.
 */
import type * as maplibregl from 'maplibre-gl';
import { pulsePacer } from './pulse.ts';

const PULSE_CYCLE_MS = 1600;

export interface AlertPulse {
  /** The map is idle for the first time: the pulse may run from now on. */
  start(): void;
  /** How many alert points are shown. */
  setAlerts(count: number): void;
  dispose(): void;
}

export function createAlertPulse(map: () => maplibregl.Map | null, scale: number): AlertPulse {
  /** The animation frame while the pulse runs (0 when it rests). */
  let frame = 0;
  /** When the first cycle began (−1 before the first idle, when it may not run). */
  let from = -1;
  let alerts = 0;
  const update = (): void => {
    const run = map() !== null && from >= 0 && alerts > 0;
    if (!run && frame) {
      cancelAnimationFrame(frame);
      frame = 0;
    } else if (run && !frame) {
      const pacer = pulsePacer();
      const tick = (now: number): void => {
        const m = map();
        if (!m) return;
        if (pacer.frame(now)) {
          const t = ((now - from) % PULSE_CYCLE_MS) / PULSE_CYCLE_MS;
          m.setPaintProperty('incident-pulse', 'circle-radius', (8 + 14 * t) * scale);
          m.setPaintProperty('incident-pulse', 'circle-stroke-opacity', 0.9 * (1 - t));
        }
        frame = requestAnimationFrame(tick);
      };
      frame = requestAnimationFrame(tick);
    }
  };
  return {
    start() {
      from = performance.now();
      update();
    },
    setAlerts(count) {
      alerts = count;
      update();
    },
    dispose() {
      cancelAnimationFrame(frame);
      frame = 0;
    },
  };
}
