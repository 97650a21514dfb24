import { describe, expect, it } from 'vitest';
import { maskName, maskPhone } from './masking.ts';

describe('masking personal data', () => {
  it('keeps the surname only', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('李')).toBe('李*');
    expect(maskName('  ')).toBe('');
  });
  it('keeps the first three and last four digits of a mobile number', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('138-1234-5678')).toBe('138****5678');
    expect(maskPhone('07468881234')).toBe('074****1234');
    expect(maskPhone('12345')).toBe('***45');
    expect(maskPhone('')).toBe('');
  });
});
