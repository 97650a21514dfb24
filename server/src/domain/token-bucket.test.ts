import { describe, expect, it } from 'vitest';
import { createTokenBucket } from './token-bucket.ts';

describe('token bucket', () => {
  it('passes a burst up to its capacity, then the refill rate', () => {
    const b = createTokenBucket(3, 2);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    expect(b.take(400)).toBe(false); // 0.8 of a token refilled
    expect([b.take(1000), b.take(1000), b.take(1000)]).toEqual([true, true, false]); // 2 tokens by then
    expect(b.take(10_000)).toBe(true);
  });
});
