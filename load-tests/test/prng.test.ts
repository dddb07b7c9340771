import { describe, expect, it } from 'vitest';
import { deriveSeed, mulberry32, pickDistinct, randomInt, weightedChoice } from '../src/prng';
import { MIX_WEIGHTS } from '../src/endpoints';

describe('mulberry32', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const first = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(first);
    for (const value of first) expect(value >= 0 && value < 1).toBe(true);
  });

  it('gives each virtual user its own stream', () => {
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => deriveSeed(1, i)));
    expect(seeds.size).toBe(1000);
    expect(deriveSeed(1, 5)).toBe(deriveSeed(1, 5));
  });
});

describe('weightedChoice', () => {
  it('follows the weights of the mix (registration 30, browsing 40, orders 20, health 10)', () => {
    const rng = mulberry32(7);
    const items = Object.entries(MIX_WEIGHTS).map(([value, weight]) => ({ value, weight }));
    const counts: Record<string, number> = {};
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const value = weightedChoice(rng, items);
      counts[value] = (counts[value] ?? 0) + 1;
    }
    expect(counts.registration! / n).toBeCloseTo(0.3, 2);
    expect(counts.browsing! / n).toBeCloseTo(0.4, 2);
    expect(counts.orders! / n).toBeCloseTo(0.2, 2);
    expect(counts.health! / n).toBeCloseTo(0.1, 2);
  });

  it('maps the unit interval onto the weights', () => {
    const items = [
      { value: 'a', weight: 1 },
      { value: 'b', weight: 0 },
      { value: 'c', weight: 3 },
    ];
    expect(weightedChoice(() => 0, items)).toBe('a');
    expect(weightedChoice(() => 0.2499, items)).toBe('a');
    expect(weightedChoice(() => 0.25, items)).toBe('c');
    expect(weightedChoice(() => 0.9999999, items)).toBe('c');
  });

  it('rejects bad weights', () => {
    expect(() => weightedChoice(Math.random, [])).toThrow();
    expect(() => weightedChoice(Math.random, [{ value: 1, weight: 0 }])).toThrow();
    expect(() => weightedChoice(Math.random, [{ value: 1, weight: -1 }])).toThrow();
    expect(() => weightedChoice(Math.random, [{ value: 1, weight: Number.NaN }])).toThrow();
  });
});

describe('randomInt and pickDistinct', () => {
  it('stays within inclusive bounds and reaches both ends', () => {
    const rng = mulberry32(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(randomInt(rng, 1, 3));
    expect([...seen].sort()).toEqual([1, 2, 3]);
  });

  it('picks distinct items, never more than there are', () => {
    const rng = mulberry32(9);
    const picked = pickDistinct(rng, ['a', 'b', 'c', 'd'], 3);
    expect(new Set(picked).size).toBe(3);
    expect(pickDistinct(rng, ['a', 'b'], 5).sort()).toEqual(['a', 'b']);
  });
});
