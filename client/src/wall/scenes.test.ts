import { describe, expect, it } from 'vitest';
import { advance, hotspotNote, interrupt, INTERRUPT_MIN_MS, INTERRUPT_MS, SCENES, startRotation } from './scenes.ts';

describe('wall scene rotation', () => {
  it('moves through the scenes by their durations and wraps around', () => {
    let s = startRotation(0);
    s = advance(s, SCENES[0]!.durationMs - 1);
    expect(s.index).toBe(0);
    s = advance(s, SCENES[0]!.durationMs);
    expect(s.index).toBe(1);
    const cycle = SCENES.reduce((n, x) => n + x.durationMs, 0);
    expect(advance(startRotation(0), cycle + 1).index).toBe(0);
    expect(advance(startRotation(0), cycle * 3 + SCENES[0]!.durationMs + 5).index).toBe(1);
  });

  it('holds the screen for an urgent case, then resumes the interrupted scene', () => {
    let s = advance(startRotation(0), SCENES[0]!.durationMs + 1000); // in scene 1
    s = interrupt(s, 'CASE1', 40_000);
    expect(advance(s, 40_000 + INTERRUPT_MS - 1).interrupt?.caseId).toBe('CASE1');
    const resumed = advance(s, 40_000 + INTERRUPT_MS);
    expect(resumed.interrupt).toBeNull();
    expect(resumed.index).toBe(1);
    expect(resumed.since).toBe(40_000 + INTERRUPT_MS);
  });

  it('keeps each urgent case of a burst up for its minimum before the newest waiting one replaces it', () => {
    let s = interrupt(startRotation(0), 'A', 10_000);
    s = interrupt(s, 'B', 11_000);
    s = interrupt(s, 'C', 12_000); // C is newer than B: it waits in B's place
    expect(s.interrupt?.caseId).toBe('A');
    expect(advance(s, 10_000 + INTERRUPT_MIN_MS - 1).interrupt?.caseId).toBe('A');
    s = advance(s, 10_000 + INTERRUPT_MIN_MS);
    expect(s.interrupt).toMatchObject({
      caseId: 'C',
      since: 10_000 + INTERRUPT_MIN_MS,
      until: 10_000 + INTERRUPT_MIN_MS + INTERRUPT_MS,
      next: null,
    });
    // Once a case has had its minimum, a newer one takes over at once.
    expect(interrupt(s, 'D', 10_000 + 2 * INTERRUPT_MIN_MS).interrupt?.caseId).toBe('D');
    // The same case again changes nothing.
    expect(interrupt(s, 'C', 10_000 + INTERRUPT_MIN_MS + 1)).toBe(s);
  });

  it('returns the same object when nothing changes (no needless re-render)', () => {
    const s = startRotation(0);
    expect(advance(s, 10)).toBe(s);
  });
});

describe('the hot-spot note', () => {
  it('names the community and says why it is hot', () => {
    const cases = [
      { communityCode: '431103003004', slaState: 'red' as const },
      { communityCode: '431103003004', slaState: 'ok' as const },
      { communityCode: '431103001006', slaState: 'ok' as const },
    ];
    expect(hotspotNote(cases, '431103003004', '通化街社区')).toBe('通化街社区：在办 2 件（超时 1），全区最多');
    expect(hotspotNote(cases, '431103001006', '翠竹园社区')).toBe('翠竹园社区：在办 1 件，全区最多');
    expect(hotspotNote(cases, null, '')).toBeNull();
    expect(hotspotNote([], '431103003004', '通化街社区')).toBeNull();
  });
});
