import { build, type Histogram } from 'hdr-histogram-js';
import type { LatencySummary } from './stats';

/** Values are recorded in microseconds: 3 significant digits keep 0.1 % of any latency. */
const MICROS_PER_MS = 1000;
/** Requests time out after 30 s; the histogram grows past this when something takes longer. */
const EXPECTED_HIGHEST_MICROS = 60 * 1000 * MICROS_PER_MS;

const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * Latencies (ms) of a run in an HDR histogram: constant memory per histogram and percentiles
 * without sorting every sample, within 0.1 % of the exact nearest-rank value. Count, mean, min
 * and max are kept exactly beside it.
 */
export class LatencyHistogram {
  private readonly histogram: Histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: EXPECTED_HIGHEST_MICROS,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;

  get count(): number {
    return this.histogram.totalCount;
  }

  record(ms: number): void {
    const value = Math.max(0, ms);
    this.histogram.recordValue(Math.round(value * MICROS_PER_MS));
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Adds every value of `other` into this one. */
  add(other: LatencyHistogram): void {
    if (other.count === 0) return;
    this.histogram.add(other.histogram);
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** The value at percentile p (0..100), in ms; 0 when empty. */
  percentile(p: number): number {
    if (!(p >= 0 && p <= 100)) throw new Error(`percentile out of range: ${p}`);
    if (this.count === 0) return 0;
    // The histogram answers with the highest value equivalent to the bucket: never above the max.
    return Math.min(this.max, this.histogram.getValueAtPercentile(p) / MICROS_PER_MS);
  }

  summary(): LatencySummary {
    const count = this.count;
    if (count === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
    return {
      count,
      min: round2(this.min),
      mean: round2(this.sum / count),
      p50: round2(this.percentile(50)),
      p90: round2(this.percentile(90)),
      p95: round2(this.percentile(95)),
      p99: round2(this.percentile(99)),
      max: round2(this.max),
    };
  }

  /** One histogram holding the values of all `parts`. */
  static merged(parts: Iterable<LatencyHistogram>): LatencyHistogram {
    const merged = new LatencyHistogram();
    for (const part of parts) merged.add(part);
    return merged;
  }
}
