import { describe, expect, it } from 'vitest';
import { checkInventory, notChecked } from '../src/inventory';
import { nextMaxStep, requestCap, SCENARIOS, type Thresholds } from '../src/scenarios';
import type { Summary } from '../src/summary';
import { allPassed, evaluateThresholds } from '../src/thresholds';

function overall(patch: Partial<Summary> & { p95?: number } = {}): Summary {
  const { p95 = 100, ...rest } = patch;
  return {
    name: 'overall',
    label: 'overall',
    requests: 1000,
    rps: 100,
    ok: 1000,
    failed: 0,
    stockouts: 0,
    rateLimited: 0,
    successRate: 1,
    latency: { count: 1000, min: 1, mean: 50, p50: 40, p90: 80, p95, p99: p95 * 2, max: p95 * 3 },
    statuses: { '200': 1000 },
    ...rest,
  };
}

const goodInventory = checkInventory([{ productId: 'p1', initial: 10, final: 7 }], new Map([['p1', 3]]));
const spike: Thresholds = SCENARIOS.spike.thresholds;

describe('evaluateThresholds', () => {
  it('passes a clean run', () => {
    const results = evaluateThresholds(spike, {
      overall: overall(),
      orders: { attempted: 10, placed: 9 },
      inventory: goodInventory,
    });
    expect(allPassed(results)).toBe(true);
    expect(results.map((result) => result.name)).toContain('p95 latency');
  });

  it('fails on a single failed request', () => {
    const results = evaluateThresholds(spike, {
      overall: overall({ failed: 1, ok: 999 }),
      orders: { attempted: 10, placed: 9 },
      inventory: goodInventory,
    });
    expect(allPassed(results)).toBe(false);
    expect(results.find((result) => result.name === 'failed requests')).toMatchObject({
      passed: false,
      actual: '1',
    });
  });

  it('fails when p95 reaches the limit (the limit is exclusive)', () => {
    const results = evaluateThresholds(spike, {
      overall: overall({ p95: 1000 }),
      orders: { attempted: 10, placed: 9 },
      inventory: goodInventory,
    });
    expect(results.find((result) => result.name === 'p95 latency')?.passed).toBe(false);
  });

  it('has no p95 threshold for smoke', () => {
    const results = evaluateThresholds(SCENARIOS.smoke.thresholds, {
      overall: overall({ p95: 5000 }),
      orders: { attempted: 10, placed: 9 },
      inventory: goodInventory,
    });
    expect(allPassed(results)).toBe(true);
  });

  it('counts 429s apart from failures, and fails on them', () => {
    const results = evaluateThresholds(SCENARIOS.smoke.thresholds, {
      overall: overall({ rateLimited: 3, ok: 997 }),
      orders: { attempted: 10, placed: 9 },
      inventory: goodInventory,
    });
    expect(results.find((result) => result.name === 'failed requests')?.passed).toBe(true);
    expect(results.find((result) => result.name.startsWith('rate-limited'))?.passed).toBe(false);
  });

  it('tolerates stock-outs but not when every order stocked out', () => {
    const some = evaluateThresholds(SCENARIOS.smoke.thresholds, {
      overall: overall({ stockouts: 5, ok: 995 }),
      orders: { attempted: 10, placed: 5 },
      inventory: goodInventory,
    });
    expect(allPassed(some)).toBe(true);
    const all = evaluateThresholds(SCENARIOS.smoke.thresholds, {
      overall: overall({ stockouts: 10, ok: 990 }),
      orders: { attempted: 10, placed: 0 },
      inventory: goodInventory,
    });
    expect(allPassed(all)).toBe(false);
    const none = evaluateThresholds(SCENARIOS.smoke.thresholds, {
      overall: overall(),
      orders: { attempted: 0, placed: 0 },
      inventory: goodInventory,
    });
    expect(allPassed(none)).toBe(false);
  });

  it('fails when the inventory was not checked or does not add up', () => {
    const unchecked = evaluateThresholds(SCENARIOS.smoke.thresholds, {
      overall: overall(),
      orders: { attempted: 0, placed: 0 },
      inventory: notChecked('admin login failed'),
    });
    expect(allPassed(unchecked)).toBe(false);
    const wrong = evaluateThresholds(SCENARIOS.smoke.thresholds, {
      overall: overall(),
      orders: { attempted: 1, placed: 1 },
      inventory: checkInventory([{ productId: 'p1', initial: 10, final: 8 }], new Map([['p1', 3]])),
    });
    expect(allPassed(wrong)).toBe(false);
  });

  it('fails a run without requests', () => {
    const results = evaluateThresholds(SCENARIOS.smoke.thresholds, {
      overall: overall({ requests: 0, ok: 0 }),
      orders: { attempted: 0, placed: 0 },
      inventory: goodInventory,
    });
    expect(allPassed(results)).toBe(false);
  });
});

describe('checkInventory', () => {
  it('passes when every product sold exactly what was ordered', () => {
    const report = checkInventory(
      [
        { productId: 'a', initial: 100, final: 90 },
        { productId: 'b', initial: 50, final: 50 },
      ],
      new Map([['a', 10]]),
      new Map([['a', 10]]),
    );
    expect(report).toMatchObject({
      passed: true,
      unitsSold: 10,
      unitsOrderedClient: 10,
      unitsOrderedServer: 10,
    });
  });

  it('reports oversells, lost stock, negative stock and unreadable products', () => {
    const report = checkInventory(
      [
        { productId: 'lost', initial: 100, final: 95 },
        { productId: 'negative', initial: 1, final: -1 },
        { productId: 'gone', initial: 5, final: undefined },
      ],
      new Map([
        ['lost', 3],
        ['negative', 2],
      ]),
    );
    expect(report.passed).toBe(false);
    expect(report.negativeStock).toEqual(['negative']);
    expect(report.mismatches.map((mismatch) => mismatch.productId)).toEqual(['lost', 'gone']);
    expect(report.unitsOrderedServer).toBeNull();
  });

  it('flags a difference between the 201 answers and order-service', () => {
    const report = checkInventory(
      [{ productId: 'a', initial: 10, final: 7 }],
      new Map([['a', 3]]),
      new Map([['a', 4]]),
    );
    expect(report.passed).toBe(false);
  });
});

describe('scenarios', () => {
  it('match the design card', () => {
    expect(SCENARIOS.smoke).toMatchObject({ users: 10, durationSec: 10 });
    expect(SCENARIOS.normal).toMatchObject({ users: 50, durationSec: 60, rampSec: 10 });
    expect(SCENARIOS.stress).toMatchObject({ users: 100, durationSec: 120 });
    expect(SCENARIOS.spike).toMatchObject({ users: 200, durationSec: 30, thresholds: { p95BelowMs: 1000 } });
    for (const scenario of Object.values(SCENARIOS)) expect(scenario.thresholds.maxFailed).toBe(0);
  });

  it('caps requests', () => {
    expect(requestCap(10, 10)).toBe(10_000);
    expect(requestCap(1, 1)).toBe(1_000);
    expect(requestCap(10_000, 3600)).toBe(1_000_000);
  });
});

describe('nextMaxStep', () => {
  const search = { startUsers: 10, maxUsers: 640, precision: 0.1 };

  function simulate(capacity: number) {
    const tried: Array<{ users: number; passed: boolean }> = [];
    let users: number | undefined;
    while ((users = nextMaxStep(tried, search)) !== undefined) {
      expect(tried.some((step) => step.users === users)).toBe(false);
      tried.push({ users, passed: users <= capacity });
      if (tried.length > 30) throw new Error('search does not end');
    }
    return tried;
  }

  it('doubles, then bisects to within 10% of the capacity', () => {
    const tried = simulate(150);
    expect(tried.slice(0, 6).map((step) => step.users)).toEqual([10, 20, 40, 80, 160, 120]);
    const best = Math.max(...tried.filter((step) => step.passed).map((step) => step.users));
    expect(best).toBeLessThanOrEqual(150);
    expect(best).toBeGreaterThanOrEqual(150 * 0.9 - 1);
  });

  it('stops at the upper bound when everything passes', () => {
    const tried = simulate(10_000);
    expect(tried[tried.length - 1]).toEqual({ users: 640, passed: true });
  });

  it('goes below the first level when that fails', () => {
    const tried = simulate(3);
    expect(tried.map((step) => step.users)).toEqual([10, 5, 2, 3, 4].slice(0, tried.length));
    expect(Math.max(...tried.filter((step) => step.passed).map((step) => step.users))).toBe(3);
  });

  it('ends when nothing passes, even one user', () => {
    const tried = simulate(0);
    expect(tried.every((step) => !step.passed)).toBe(true);
    expect(tried[tried.length - 1]!.users).toBe(1);
  });
});
