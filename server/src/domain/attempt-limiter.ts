/**
 * Failed attempts per key (an address, an address and an account) in a sliding window: a key with
 * `max` failures in the last `windowMs` is refused until the oldest ages out. Memory is bounded: at
 * most `maxKeys` keys are remembered, the least recently failed forgotten first, so a flood of
 * distinct usernames or addresses cannot grow it.
 */
export interface AttemptLimiter {
  /** Whether the key has used up its failures in the window. */
  blocked(key: string, now: number): boolean;
  fail(key: string, now: number): void;
  clear(key: string): void;
  readonly size: number;
}

export function createAttemptLimiter(options: { windowMs: number; max: number; maxKeys: number }): AttemptLimiter {
  const failures = new Map<string, number[]>();
  const recent = (key: string, now: number): number[] => (failures.get(key) ?? []).filter((t) => now - t < options.windowMs);
  return {
    blocked: (key, now) => recent(key, now).length >= options.max,
    fail(key, now) {
      const times = recent(key, now).slice(-(options.max - 1));
      times.push(now);
      failures.delete(key); // re-inserted last: the map's order is least recently failed first
      failures.set(key, times);
      while (failures.size > options.maxKeys) failures.delete(failures.keys().next().value!);
    },
    clear: (key) => void failures.delete(key),
    get size() {
      return failures.size;
    },
  };
}
