import { describe, expect, it } from 'vitest';
import { createAttemptLimiter } from './attempt-limiter.ts';

describe('attempt limiter', () => {
  it('refuses a key after max failures in the window, and again lets it try once they age out', () => {
    const l = createAttemptLimiter({ windowMs: 1000, max: 3, maxKeys: 100 });
    for (let t = 0; t < 3; t++) l.fail('a', t);
    expect(l.blocked('a', 10)).toBe(true);
    expect(l.blocked('b', 10)).toBe(false);
    expect(l.blocked('a', 1001)).toBe(false);
    l.clear('a');
    expect(l.blocked('a', 10)).toBe(false);
  });

  it('remembers a bounded number of keys however many fail, forgetting the least recent', () => {
    const l = createAttemptLimiter({ windowMs: 60_000, max: 5, maxKeys: 1000 });
    for (let i = 0; i < 100_000; i++) l.fail(`guess-${i}`, i);
    expect(l.size).toBe(1000);
    for (let t = 0; t < 5; t++) l.fail('kept', 200_000 + t);
    expect(l.blocked('kept', 200_010)).toBe(true);
  });
});
