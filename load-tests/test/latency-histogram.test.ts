import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../src/latency-histogram';
import { mulberry32 } from '../src/prng';
import { percentile, sortedCopy, summarizeLatencies } from '../src/stats';

describe('LatencyHistogram', () => {
  it('gives the percentiles of sorting every sample within 0.1 %, and count, mean, min and max exactly', () => {
    const rng = mulberry32(7);
    // A long tail: most requests in a few ms, some in seconds.
    const values = Array.from({ length: 50_000 }, () => 0.2 + rng() ** 6 * 3000);
    const histogram = new LatencyHistogram();
    for (const value of values) histogram.record(value);

    const sorted = sortedCopy(values);
    for (const p of [50, 90, 95, 99, 99.9]) {
      const exact = percentile(sorted, p);
      expect(Math.abs(histogram.percentile(p) - exact)).toBeLessThanOrEqual(exact * 0.001 + 0.001);
    }
    const exact = summarizeLatencies(values);
    const summary = histogram.summary();
    expect({ count: summary.count, min: summary.min, max: summary.max }).toEqual({
      count: exact.count,
      min: exact.min,
      max: exact.max,
    });
    expect(summary.mean).toBeCloseTo(exact.mean, 1);
  });

  it('when histograms are merged, then the result holds every value of each', () => {
    const fast = new LatencyHistogram();
    const slow = new LatencyHistogram();
    for (let index = 1; index <= 90; index++) fast.record(index / 10);
    for (let index = 1; index <= 10; index++) slow.record(1000 + index);

    const merged = LatencyHistogram.merged([fast, slow, new LatencyHistogram()]);

    expect(merged.count).toBe(100);
    expect(merged.summary()).toMatchObject({ min: 0.1, max: 1010, p50: 5 });
    expect(merged.percentile(95)).toBeCloseTo(1005, 0);
  });

  it('is all zeros when nothing was recorded, and takes values beyond its expected range', () => {
    expect(new LatencyHistogram().summary()).toEqual({
      count: 0,
      min: 0,
      mean: 0,
      p50: 0,
      p90: 0,
      p95: 0,
      p99: 0,
      max: 0,
    });
    const histogram = new LatencyHistogram();
    histogram.record(10 * 60_000);
    expect(histogram.summary().max).toBe(600_000);
    expect(histogram.percentile(99)).toBeCloseTo(600_000, -3);
  });
});
