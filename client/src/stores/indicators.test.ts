// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Indicators } from '@contract/indicators.ts';
import { useIndicatorsStore } from './indicators.ts';

const indicators = (extra: Partial<Indicators> = {}): Indicators =>
  ({
    scope: '431103',
    scopeName: '冷水滩区',
    computedAt: '2026-11-30T01:00:00.000Z',
    open: 3,
    overdue: 1,
    trend24h: [],
    ...extra,
  }) as Indicators;

describe('indicators store', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.useFakeTimers({ now: Date.parse('2026-11-30T01:00:00Z') });
  });

  it('keeps the same object for a heartbeat with the same figures, and still notes when it arrived', () => {
    const store = useIndicatorsStore();
    const first = indicators();
    store.set(first);
    const arrived = store.receivedAt;
    vi.advanceTimersByTime(10_000);
    store.set(indicators({ computedAt: '2026-11-30T01:00:10.000Z' }));
    expect(store.current).toBe(first);
    expect(store.receivedAt).toBe(arrived + 10_000);
  });

  it('takes new figures, and the same figures of another scope', () => {
    const store = useIndicatorsStore();
    store.set(indicators());
    const changed = indicators({ open: 4 });
    store.set(changed);
    expect(store.current).toBe(changed);
    const street = indicators({ open: 4, scope: '431103003' });
    store.set(street);
    expect(store.current).toBe(street);
  });
});
