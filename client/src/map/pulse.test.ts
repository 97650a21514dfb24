import { describe, expect, it } from 'vitest';
import { PULSE_STEP_MS, pulsePacer } from './pulse.ts';

/** When a pacer steps, given each frame's duration (`duration(true)` for the frame after a step). */
function steps(frames: number, duration: (afterStep: boolean) => number): number[] {
  const pacer = pulsePacer();
  const at: number[] = [];
  let now = 0;
  let stepped = false;
  for (let f = 0; f < frames; f++) {
    now += duration(stepped);
    stepped = pacer.frame(now);
    if (stepped) at.push(Math.round(now));
  }
  return at;
}

const gaps = (xs: number[]): number[] => xs.slice(1).map((x, k) => x - xs[k]!);

describe('the alert pulse pacer', () => {
  it('steps 12 times a second where frames are quick', () => {
    const at = steps(600, () => 1000 / 60); // 10 s at 60 frames a second
    expect(at.length).toBeGreaterThanOrEqual(100);
    expect(at.length).toBeLessThanOrEqual(120);
    for (const gap of gaps(at)) expect(gap).toBeGreaterThanOrEqual(PULSE_STEP_MS - 0.5);
  });

  it('waits three times the frame a step costs where frames are slow, and so leaves the map idle two thirds of the time', () => {
    // Software GL: the frame that draws a step takes 220 ms; a frame with nothing to draw, 16 ms.
    const at = steps(2000, (afterStep) => (afterStep ? 220 : 16));
    const later = gaps(at).slice(2);
    for (const gap of later) {
      expect(gap).toBeGreaterThanOrEqual(660);
      expect(gap).toBeLessThan(660 + 220 + 16);
    }
  });

  it('follows the frames back up when they are quick again', () => {
    const pacer = pulsePacer();
    let now = 0;
    const stepsIn = (ms: number, frame: number): number => {
      let n = 0;
      for (const end = now + ms; now < end;) {
        now += frame;
        if (pacer.frame(now)) n++;
      }
      return n;
    };
    expect(stepsIn(5000, 250)).toBeLessThanOrEqual(8); // every frame slow: a step every 3 frames or more
    stepsIn(2000, 1000 / 60); // the first quick cycle still waits on the last slow frame
    expect(stepsIn(5000, 1000 / 60)).toBeGreaterThanOrEqual(50);
  });

  it('counts a frame of a hidden tab as at most a second long, so the pulse is back within 3 s', () => {
    const pacer = pulsePacer();
    expect(pacer.frame(0)).toBe(true);
    expect(pacer.frame(60_000)).toBe(true); // a minute in the background, then the tab is shown
    let now = 60_000;
    let next = 0;
    while (!next && now < 400_000) if (pacer.frame((now += 16))) next = now;
    expect(next).toBeGreaterThanOrEqual(63_000); // three times the (capped) one-second frame
    expect(next).toBeLessThanOrEqual(63_016); // not three minutes
  });
});
