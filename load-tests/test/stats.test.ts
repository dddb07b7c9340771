import { describe, expect, it } from 'vitest';
import { NumberBuffer, percentile, sortedCopy, summarizeLatencies } from '../src/stats';

describe('percentile (nearest rank)', () => {
  const oneToHundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks the smallest value with at least p% at or below it', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 90)).toBe(90);
    expect(percentile(oneToHundred, 95)).toBe(95);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile(oneToHundred, 0)).toBe(1);
  });

  it('handles tiny and empty inputs', () => {
    expect(percentile([], 95)).toBe(0);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([1, 2], 50)).toBe(1);
    expect(percentile([1, 2], 51)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
  });

  it('rejects percentiles outside 0..100', () => {
    expect(() => percentile([1], 101)).toThrow();
    expect(() => percentile([1], -1)).toThrow();
    expect(() => percentile([1], Number.NaN)).toThrow();
  });
});

describe('summarizeLatencies', () => {
  it('sorts numerically, not as strings', () => {
    expect(Array.from(sortedCopy([10, 9, 100, 1]))).toEqual([1, 9, 10, 100]);
  });

  it('summarises unsorted values', () => {
    const values = [5, 1, 4, 2, 3, 100, 6, 7, 8, 9];
    const summary = summarizeLatencies(values);
    expect(summary).toMatchObject({ count: 10, min: 1, max: 100, p50: 5, p90: 9, p95: 100, p99: 100 });
    expect(summary.mean).toBe(14.5);
  });

  it('is all zeros when nothing was recorded', () => {
    expect(summarizeLatencies([])).toEqual({
      count: 0,
      min: 0,
      mean: 0,
      p50: 0,
      p90: 0,
      p95: 0,
      p99: 0,
      max: 0,
    });
  });

  it('does not modify its input', () => {
    const values = [3, 1, 2];
    summarizeLatencies(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('NumberBuffer', () => {
  it('grows past its initial capacity and keeps order', () => {
    const buffer = new NumberBuffer();
    for (let i = 0; i < 5000; i++) buffer.push(i);
    expect(buffer.length).toBe(5000);
    expect(buffer.values()[0]).toBe(0);
    expect(buffer.values()[4999]).toBe(4999);
    expect(buffer.values().length).toBe(5000);
  });
});
