import { describe, expect, it } from 'vitest';
import { ago, clockText, dateText, percent, remaining } from './format.ts';

describe('formatters', () => {
  it('shows Shanghai time', () => {
    expect(clockText('2026-11-30T01:05:09Z')).toBe('09:05:09');
    expect(clockText('2026-11-30T17:00:00Z', false)).toBe('01:00');
    expect(dateText('2026-11-29T17:00:00Z')).toBe('2026年11月30日 星期一');
  });
  it('formats rates and missing values', () => {
    expect(percent(0.8766)).toBe('87.7%');
    expect(percent(null)).toBe('—');
  });
  it('says how long is left, or how late it is', () => {
    const now = Date.parse('2026-11-30T01:00:00Z');
    expect(remaining('2026-11-30T02:05:00Z', now)).toBe('剩 1时05分');
    expect(remaining('2026-11-30T00:48:00Z', now)).toBe('超 12分');
    expect(remaining('2026-11-30T00:59:30Z', now)).toBe('超 30秒');
    expect(remaining(null, now)).toBe('—');
  });
  it('describes staleness', () => {
    expect(ago(4_000)).toBe('4 秒前');
    expect(ago(180_000)).toBe('3 分钟前');
  });
});
