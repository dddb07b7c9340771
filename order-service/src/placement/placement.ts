import type { Logger } from '@ecom/service-kit';
import type { HoldStore } from '../holds/hold-store';
import type { OrderStore } from '../orders/order-store';
import { type PlaceOrderDeps, placeOrder, type PlaceOrderRequest } from './place-order';
import { createUnplacedOrders } from './unplaced-orders';

export interface PlacementDeps extends Omit<PlaceOrderDeps, 'unplaced'> {
  holds: HoldStore;
  orderStore: OrderStore;
  inventory: PlaceOrderDeps['inventory'] & { release(orderId: string): Promise<void> };
  logger: Logger;
  releaseRetryIntervalMs: number;
  placementGraceMs: number;
}

/**
 * The order placement saga as one component: the use case (hold → reserve → save), its
 * compensation (releases retried until acknowledged) and the recovery of placements that died.
 * Nothing connects or runs here.
 */
export function createPlacement(deps: PlacementDeps) {
  const unplaced = createUnplacedOrders({
    holds: deps.holds,
    statusesOf: (ids) => deps.orderStore.statusesOf(ids),
    inventory: deps.inventory,
    metrics: deps.metrics,
    logger: deps.logger,
    intervalMs: deps.releaseRetryIntervalMs,
    placementGraceMs: deps.placementGraceMs,
    slot: deps.slot,
  });
  const useCaseDeps: PlaceOrderDeps = { ...deps, unplaced };
  return {
    unplaced,
    placeOrder: (request: PlaceOrderRequest) => placeOrder(useCaseDeps, request),
  };
}

export type Placement = ReturnType<typeof createPlacement>;
