import { describe, expect, it } from 'vitest';
import { capacityVerdict, nextCapacityRate } from '../src/capacity';
import type { ArrivalCounts } from '../src/open-model';
import type { Summary } from '../src/summary';

describe('nextCapacityRate', () => {
  it('starts at the given rate and grows by half while steps hold', () => {
    expect(nextCapacityRate([], 10)).toBe(10);
    expect(nextCapacityRate([{ rate: 10, passed: true }], 10)).toBe(15);
    expect(
      nextCapacityRate(
        [
          { rate: 10, passed: true },
          { rate: 15, passed: true },
        ],
        10,
      ),
    ).toBe(23);
  });

  it('then bisects between the highest pass and the lowest fail until they are within 10 %', () => {
    const tried = [
      { rate: 100, passed: true },
      { rate: 150, passed: false },
    ];
    expect(nextCapacityRate(tried, 100)).toBe(125);
    expect(nextCapacityRate([...tried, { rate: 125, passed: true }], 100)).toBe(137);
    expect(nextCapacityRate([...tried, { rate: 125, passed: true }, { rate: 137, passed: false }], 100)).toBe(
      undefined,
    );
  });

  it('goes down when even the first rate fails, and stops at the ceiling', () => {
    expect(nextCapacityRate([{ rate: 10, passed: false }], 10)).toBe(5);
    expect(nextCapacityRate([{ rate: 1, passed: false }], 1)).toBe(undefined);
    expect(nextCapacityRate([{ rate: 100, passed: true }], 100, 100)).toBe(undefined);
  });
});

describe('capacityVerdict', () => {
  const overall = (changes: Partial<Summary> = {}, p99 = 100): Summary => ({
    name: 'overall',
    label: 'overall',
    requests: 1000,
    rps: 100,
    ok: 1000,
    failed: 0,
    stockouts: 0,
    rateLimited: 0,
    successRate: 1,
    latency: { count: 1000, min: 1, mean: 10, p50: 5, p90: 20, p95: 50, p99, max: 200 },
    statuses: {},
    ...changes,
  });
  const arrivals = (changes: Partial<ArrivalCounts> = {}): ArrivalCounts => ({
    offered: 1000,
    started: 1000,
    dropped: 0,
    completed: 1000,
    offeredRate: 100,
    achievedRate: 100,
    maxInFlight: 100,
    startLagP99Ms: 1,
    ...changes,
  });
  const limits = { p99Ms: 500, maxErrorsPercent: 1 };

  it('holds within the limits', () => {
    expect(capacityVerdict(overall(), arrivals(), limits)).toEqual({ passed: true, reason: '' });
  });

  it('fails on p99, errors, 429s, dropped arrivals or an offered rate not achieved, naming each', () => {
    expect(capacityVerdict(overall({}, 500), arrivals(), limits).reason).toBe('p99 500 ms ≥ 500');
    expect(capacityVerdict(overall({ failed: 11 }), arrivals(), limits).reason).toBe('errors 1.10% > 1%');
    expect(capacityVerdict(overall({ failed: 10 }), arrivals(), limits).passed).toBe(true);
    expect(capacityVerdict(overall({ rateLimited: 1 }), arrivals(), limits).reason).toBe('1 × 429');
    expect(capacityVerdict(overall(), arrivals({ dropped: 60 }), limits).reason).toBe(
      '60 of 1000 arrivals dropped',
    );
    expect(capacityVerdict(overall(), arrivals({ achievedRate: 90 }), limits).reason).toBe(
      'achieved 90/s of 100/s',
    );
  });
});
