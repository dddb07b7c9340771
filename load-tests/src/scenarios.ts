export const SCENARIO_NAMES = ['smoke', 'normal', 'stress', 'spike', 'max', 'browse'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface Thresholds {
  /** Unexpected statuses and network errors. */
  maxFailed: number;
  /** 429s mean the stack was not started with high limits: the numbers would be meaningless. */
  maxRateLimited: number;
  /** Overall p95 latency must stay below this many ms (when set). */
  p95BelowMs?: number;
  /** Stock sold == sum of ordered quantities, and no negative stock. */
  inventoryInvariant: boolean;
  /** At least one order must succeed (stock-outs alone, or no orders, leave the invariant untested). */
  someOrdersPlaced: boolean;
}

/** mixed: the weighted mix of the design card. browse: cached catalog reads only (list, detail, categories). */
export type Workload = 'mixed' | 'browse';

export interface FixedScenario {
  kind: 'fixed';
  name: Exclude<ScenarioName, 'max'>;
  /** Default: mixed. */
  workload?: Workload;
  users: number;
  durationSec: number;
  rampSec: number;
  thresholds: Thresholds;
}

/** Finds the highest concurrency with 0 errors and p95 below the limit, by stepping then bisecting. */
export interface MaxScenario {
  kind: 'max';
  name: 'max';
  startUsers: number;
  /** Upper bound of the search (`--users` overrides). */
  maxUsers: number;
  /** Length of each step (`--duration` overrides). */
  stepDurationSec: number;
  rampSec: number;
  /** Stop bisecting when the gap between pass and fail is at most this fraction of the pass. */
  precision: number;
  thresholds: Thresholds;
}

export type Scenario = FixedScenario | MaxScenario;

const base: Thresholds = {
  maxFailed: 0,
  maxRateLimited: 0,
  inventoryInvariant: true,
  someOrdersPlaced: true,
};

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  smoke: { kind: 'fixed', name: 'smoke', users: 10, durationSec: 10, rampSec: 0, thresholds: base },
  normal: {
    kind: 'fixed',
    name: 'normal',
    users: 50,
    durationSec: 60,
    rampSec: 10,
    thresholds: { ...base, p95BelowMs: 1000 },
  },
  stress: { kind: 'fixed', name: 'stress', users: 100, durationSec: 120, rampSec: 10, thresholds: base },
  spike: {
    kind: 'fixed',
    name: 'spike',
    users: 200,
    durationSec: 30,
    rampSec: 0,
    thresholds: { ...base, p95BelowMs: 1000 },
  },
  // The read path alone: what a shop's traffic mostly is, and what the caches are for.
  browse: {
    kind: 'fixed',
    name: 'browse',
    workload: 'browse',
    users: 50,
    durationSec: 30,
    rampSec: 2,
    thresholds: { ...base, p95BelowMs: 1000, inventoryInvariant: false, someOrdersPlaced: false },
  },
  max: {
    kind: 'max',
    name: 'max',
    startUsers: 10,
    maxUsers: 640,
    stepDurationSec: 20,
    rampSec: 2,
    precision: 0.1,
    thresholds: { ...base, p95BelowMs: 1000 },
  },
};

export function isScenarioName(value: string): value is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(value);
}

/**
 * Hard cap on requests per run (or per max step): the run stops by itself even if the duration
 * logic went wrong. 100 requests per user-second is far above what a user achieves here.
 */
export function requestCap(users: number, durationSec: number): number {
  return Math.min(1_000_000, Math.max(1_000, users * durationSec * 100));
}

/**
 * The next concurrency for the max search. Doubles until the first failing level, then bisects
 * between the highest pass and the lowest fail. Returns undefined when the search is done.
 */
export function nextMaxStep(
  tried: ReadonlyArray<{ users: number; passed: boolean }>,
  scenario: Pick<MaxScenario, 'startUsers' | 'maxUsers' | 'precision'>,
): number | undefined {
  if (tried.length === 0) return Math.min(scenario.startUsers, scenario.maxUsers);
  const passes = tried.filter((step) => step.passed).map((step) => step.users);
  const fails = tried.filter((step) => !step.passed).map((step) => step.users);
  const best = passes.length > 0 ? Math.max(...passes) : 0;
  const fail = fails.length > 0 ? Math.min(...fails.filter((users) => users > best), Infinity) : Infinity;
  if (fail === Infinity) {
    if (best >= scenario.maxUsers) return undefined;
    return Math.min(best * 2, scenario.maxUsers);
  }
  if (best === 0) {
    // Even the first level failed: try lower, down to one user.
    const lowest = Math.min(...fails);
    return lowest > 1 ? Math.max(1, Math.floor(lowest / 2)) : undefined;
  }
  const gap = fail - best;
  if (gap <= Math.max(1, Math.ceil(best * scenario.precision))) return undefined;
  return best + Math.floor(gap / 2);
}
