import { type Group, MIX_WEIGHTS } from './endpoints';

export const SCENARIO_NAMES = ['smoke', 'normal', 'stress', 'spike', 'checkout', 'browse', 'max'] as const;
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

/** What each virtual user does: the weighted mix of groups, and the shape of its orders. */
export interface Workload {
  mix: Record<Group, number>;
  /** Each order has 1..maxLines distinct products, each 1..maxQuantity units. */
  maxLines: number;
  maxQuantity: number;
  /** Browsing reads only the pages every shopper sees first: lists, product pages, the categories. */
  catalogOnly?: boolean;
}

/** The design card's mix: registration 30, browsing 40, orders 20, health 10; 1-3 lines of 1-3 units. */
export const MIXED_WORKLOAD: Workload = { mix: MIX_WEIGHTS, maxLines: 3, maxQuantity: 3 };

/** Orders only, one unit of one product each (after one login per user): the order path alone. */
export const CHECKOUT_WORKLOAD: Workload = {
  mix: { registration: 0, browsing: 0, orders: 1, health: 0 },
  maxLines: 1,
  maxQuantity: 1,
};

/** Cached catalog reads only (product lists, product pages, the category list): the read path alone. */
export const BROWSE_WORKLOAD: Workload = {
  mix: { registration: 0, browsing: 1, orders: 0, health: 0 },
  maxLines: 1,
  maxQuantity: 1,
  catalogOnly: true,
};

export interface FixedScenario {
  kind: 'fixed';
  name: Exclude<ScenarioName, 'max'>;
  users: number;
  durationSec: number;
  rampSec: number;
  thresholds: Thresholds;
  /** Default: MIXED_WORKLOAD. */
  workload?: Workload;
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
  checkout: {
    kind: 'fixed',
    name: 'checkout',
    users: 20,
    durationSec: 30,
    rampSec: 0,
    thresholds: { ...base, p95BelowMs: 250 },
    workload: CHECKOUT_WORKLOAD,
  },
  // What a shop's traffic mostly is, and what the caches are for.
  browse: {
    kind: 'fixed',
    name: 'browse',
    users: 50,
    durationSec: 30,
    rampSec: 2,
    thresholds: { ...base, p95BelowMs: 1000, inventoryInvariant: false, someOrdersPlaced: false },
    workload: BROWSE_WORKLOAD,
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
