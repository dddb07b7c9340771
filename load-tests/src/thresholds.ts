import type { InventoryReport } from './inventory';
import type { Thresholds } from './scenarios';
import type { Summary } from './summary';

export interface ThresholdResult {
  name: string;
  passed: boolean;
  actual: string;
  limit: string;
}

export interface ThresholdInput {
  overall: Summary;
  orders: { attempted: number; placed: number };
  inventory?: InventoryReport;
}

export function evaluateThresholds(thresholds: Thresholds, input: ThresholdInput): ThresholdResult[] {
  const { overall } = input;
  const results: ThresholdResult[] = [
    {
      name: 'requests were made',
      passed: overall.requests > 0,
      actual: String(overall.requests),
      limit: '> 0',
    },
    {
      name: 'failed requests',
      passed: overall.failed <= thresholds.maxFailed,
      actual: String(overall.failed),
      limit: `<= ${thresholds.maxFailed}`,
    },
    {
      name: 'rate-limited requests (429)',
      passed: overall.rateLimited <= thresholds.maxRateLimited,
      actual: String(overall.rateLimited),
      limit: `<= ${thresholds.maxRateLimited}`,
    },
  ];
  if (thresholds.p95BelowMs !== undefined) {
    results.push({
      name: 'p95 latency',
      passed: overall.latency.count > 0 && overall.latency.p95 < thresholds.p95BelowMs,
      actual: `${overall.latency.p95} ms`,
      limit: `< ${thresholds.p95BelowMs} ms`,
    });
  }
  if (thresholds.someOrdersPlaced) {
    results.push({
      name: 'orders placed (some, not all stocked out)',
      passed: input.orders.placed > 0,
      actual: `${input.orders.placed} of ${input.orders.attempted}`,
      limit: '> 0',
    });
  }
  if (thresholds.inventoryInvariant) {
    const inventory = input.inventory;
    results.push({
      name: 'inventory invariant (stock sold == ordered quantities)',
      passed: inventory?.passed ?? false,
      actual: !inventory?.checked
        ? `not checked${inventory?.note ? `: ${inventory.note}` : ''}`
        : `sold ${inventory.unitsSold}, ordered ${inventory.unitsOrderedClient}` +
          (inventory.unitsOrderedServer === null ? '' : ` (order-service: ${inventory.unitsOrderedServer})`) +
          `, ${inventory.mismatches.length} mismatched, ${inventory.negativeStock.length} negative`,
      limit: 'equal, none negative',
    });
  }
  return results;
}

export const allPassed = (results: readonly ThresholdResult[]) => results.every((result) => result.passed);

/**
 * Open model: arrivals that found every virtual user busy were not offered to the system; more
 * than 1 % of them means the run did not offer the rate it names.
 */
export function droppedThreshold(arrivals: { offered: number; dropped: number }): ThresholdResult {
  return {
    name: 'arrivals dropped',
    passed: arrivals.dropped <= arrivals.offered * 0.01,
    actual: `${arrivals.dropped} of ${arrivals.offered}`,
    limit: '<= 1% of offered',
  };
}
