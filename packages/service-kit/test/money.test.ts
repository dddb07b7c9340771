import { describe, expect, it } from 'vitest';
import { fromCents, hasAtMostTwoDecimals, toCents } from '../src';

describe('money', () => {
  it('converts decimal prices to integer cents without float drift', () => {
    expect(toCents(19.99)).toBe(1999);
    expect(toCents(0.1 + 0.2)).toBe(30);
    expect(toCents(1.005 - 0.005)).toBe(100);
    expect(fromCents(1999)).toBe(19.99);
  });

  it('accepts at most two decimals', () => {
    expect(hasAtMostTwoDecimals(29.99)).toBe(true);
    expect(hasAtMostTwoDecimals(0.1 + 0.2)).toBe(true);
    expect(hasAtMostTwoDecimals(29.999)).toBe(false);
  });

  it('when an amount is not whole cents, negative or not finite, then toCents throws instead of rounding', () => {
    for (const amount of [29.999, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => toCents(amount)).toThrow(RangeError);
    }
  });
});
