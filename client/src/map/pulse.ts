/**
 * When the alert ring's pulse takes its next step. Each step restyles the ring and repaints the whole
 * map. On a GPU a frame takes a few ms and the pulse steps 12 times a second. Where a frame takes
 * long (software GL draws 4–5 a second), 12 steps a second kept the GPU — or the CPU drawing for it
 * — busy without a pause, and everything else on the screen waited. So a step waits at least three
 * times the longest frame since the step before: the pulse keeps the map busy a third of the time at
 * most, and it slows down instead of starving the rest of the wall.
 */

/** 12 steps a second are enough for a ring that grows over 1.6 s. */
export const PULSE_STEP_MS = 1000 / 12;
/** A frame taken as longer than this (a background tab, a paused debugger) counts as this long. */
const LONGEST_FRAME_MS = 1000;

export interface PulsePacer {
  /** Called at each animation frame with its timestamp: whether the pulse steps in this frame. */
  frame(now: number): boolean;
}

export function pulsePacer(): PulsePacer {
  let lastStep = -Infinity;
  let previousFrame = -1;
  /** The longest frame since the last step. */
  let longest = 0;
  /** The longest frame of the cycle before the last step: the next step waits three times this. */
  let paced = 0;
  return {
    frame(now) {
      if (previousFrame >= 0) longest = Math.max(longest, Math.min(LONGEST_FRAME_MS, now - previousFrame));
      previousFrame = now;
      if (now - lastStep < Math.max(PULSE_STEP_MS, 3 * paced)) return false;
      paced = longest;
      longest = 0;
      lastStep = now;
      return true;
    },
  };
}
