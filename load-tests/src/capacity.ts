/**
 * The capacity search (`--capacity`): open-model steps at rising rates until p99 or the errors
 * pass their limits; the highest rate that held is the scenario's sustainable rate.
 */
import type { ArrivalCounts } from './open-model';
import type { Summary } from './summary';

export interface CapacityLimits {
  p99Ms: number;
  maxErrorsPercent: number;
}

export interface CapacityStep {
  rate: number;
  passed: boolean;
  /** The limits a failed step passed. */
  reason: string;
  offeredRate: number;
  achievedRate: number;
  dropped: number;
  requests: number;
  failed: number;
  p50: number;
  p99: number;
}

export interface CapacityResult {
  scenario: string;
  /** The highest rate that held; null when even the lowest did not. */
  sustainableRate: number | null;
  steps: CapacityStep[];
}

/** Each step's rate is this much above the last one that held, until one fails. */
const GROWTH = 1.5;
/** Bisecting stops when pass and fail are this close (fraction of the pass). */
const PRECISION = 0.1;
/** A step holds only when at least this share of what was offered was achieved and not dropped. */
const ACHIEVED_SHARE = 0.95;

/** Whether a step held: p99 and errors within their limits, no 429s, the offered rate achieved. */
export function capacityVerdict(
  overall: Summary,
  arrivals: ArrivalCounts,
  limits: CapacityLimits,
): { passed: boolean; reason: string } {
  const reasons: string[] = [];
  if (overall.latency.p99 >= limits.p99Ms) reasons.push(`p99 ${overall.latency.p99} ms ≥ ${limits.p99Ms}`);
  const errorsPercent = overall.requests === 0 ? 0 : (overall.failed / overall.requests) * 100;
  if (errorsPercent > limits.maxErrorsPercent)
    reasons.push(`errors ${errorsPercent.toFixed(2)}% > ${limits.maxErrorsPercent}%`);
  if (overall.rateLimited > 0) reasons.push(`${overall.rateLimited} × 429`);
  if (arrivals.dropped > arrivals.offered * (1 - ACHIEVED_SHARE))
    reasons.push(`${arrivals.dropped} of ${arrivals.offered} arrivals dropped`);
  if (arrivals.achievedRate < arrivals.offeredRate * ACHIEVED_SHARE)
    reasons.push(`achieved ${arrivals.achievedRate}/s of ${arrivals.offeredRate}/s`);
  return { passed: reasons.length === 0, reason: reasons.join('; ') };
}

/**
 * The next rate to try: `start`, then ×1.5 while steps hold, then halfway between the highest
 * pass and the lowest fail until they are within 10 %. Undefined when the search is done.
 */
export function nextCapacityRate(
  tried: ReadonlyArray<{ rate: number; passed: boolean }>,
  start: number,
  maxRate = 100_000,
): number | undefined {
  if (tried.length === 0) return Math.min(start, maxRate);
  const best = Math.max(0, ...tried.filter((step) => step.passed).map((step) => step.rate));
  const fail = Math.min(
    Infinity,
    ...tried.filter((step) => !step.passed && step.rate > best).map((s) => s.rate),
  );
  if (fail === Infinity) return best >= maxRate ? undefined : Math.min(maxRate, Math.ceil(best * GROWTH));
  if (best === 0) return fail > 1 ? Math.max(1, Math.floor(fail / 2)) : undefined;
  const gap = fail - best;
  if (gap <= Math.max(1, Math.ceil(best * PRECISION))) return undefined;
  return best + Math.floor(gap / 2);
}

export function capacityLine(results: readonly CapacityResult[], limits: CapacityLimits): string {
  const rates = results.map(
    (result) =>
      `${result.scenario} ${result.sustainableRate === null ? 'none' : `${result.sustainableRate}/s`}`,
  );
  return `Capacity (p99 < ${limits.p99Ms} ms, errors ≤ ${limits.maxErrorsPercent}%): ${rates.join(', ')}`;
}
