/**
 * A token bucket: `capacity` tokens, refilled at `perSecond`; each take spends one, and none left
 * means wait. Bursts up to the capacity pass, a sustained rate above `perSecond` does not.
 */
export interface TokenBucket {
  take(now: number): boolean;
}

export function createTokenBucket(capacity: number, perSecond: number): TokenBucket {
  let tokens = capacity;
  let at = -Infinity;
  return {
    take(now) {
      tokens = Math.min(capacity, tokens + (at === -Infinity ? 0 : ((now - at) / 1000) * perSecond));
      at = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
