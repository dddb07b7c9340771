import type { Logger } from '@ecom/service-kit';
import type { Connection } from 'mongoose';
import type { OrderModel } from '../orders/order-model';
import { type PlaceOrderDeps, placeOrder, type PlaceOrderRequest } from './place-order';
import { createPendingReleaseModel, createReleaseQueue } from './pending-releases';
import { releasePredecessorGuards } from './predecessor-guards';
import { createReleaseRetrier } from './release-retrier';

export interface PlacementDeps extends Omit<PlaceOrderDeps, 'releases' | 'releaseRetrier'> {
  connection: Connection;
  /** Asked by the retrier whether an order exists: a saved order owns its reservation. */
  orders: OrderModel;
  inventory: PlaceOrderDeps['inventory'] & { release(orderId: string): Promise<void> };
  logger: Logger;
  releaseRetryIntervalMs: number;
  /** This process's host:port, written on its guards (see predecessor-guards.ts). */
  slot?: string;
}

/**
 * The order placement saga as one component: the use case (idempotency around guard → reserve →
 * save → forget), its compensation (the persisted release queue) and the loop that retries
 * releases until product-service acknowledges them. Nothing connects or runs here.
 */
export function createPlacement(deps: PlacementDeps) {
  const { logger, slot } = deps;
  const pendingReleases = createPendingReleaseModel(deps.connection);
  const releaseRetrier = createReleaseRetrier({
    pendingReleases,
    orders: deps.orders,
    inventory: deps.inventory,
    metrics: deps.metrics,
    logger,
    intervalMs: deps.releaseRetryIntervalMs,
  });
  const useCaseDeps: PlaceOrderDeps = {
    ...deps,
    releases: createReleaseQueue(pendingReleases, slot),
    releaseRetrier,
  };

  return {
    pendingReleases,
    releaseRetrier,
    placeOrder: (request: PlaceOrderRequest, log: Logger) => placeOrder(useCaseDeps, request, log),
    /**
     * Once listening (so the predecessor in this slot is certainly gone): its unfinished
     * placements' stock goes back now instead of when their guards come due. Never throws: on
     * failure (logged, counted, resolves 0) the guards still come due on their own, only later.
     */
    async resolvePredecessorGuards(startedAt: Date): Promise<number> {
      if (slot === undefined) return 0;
      try {
        const count = await releasePredecessorGuards(pendingReleases, slot, startedAt);
        if (count > 0) {
          logger.info({ count, slot }, 'releasing reservations a crashed predecessor left guarded');
          releaseRetrier.kick();
        }
        return count;
      } catch (error) {
        deps.metrics.bookkeepingFailures.inc({ operation: 'predecessor_guards' });
        logger.warn(
          { err: error, slot },
          'could not resolve the guards of a predecessor; they release when due',
        );
        return 0;
      }
    },
  };
}

export type Placement = ReturnType<typeof createPlacement>;
