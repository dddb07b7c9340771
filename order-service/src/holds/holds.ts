import type { Logger, Redis } from '@ecom/service-kit';
import type { Counter } from 'prom-client';
import type { OrderServiceSettings } from '../config';
import { createAddressLimit } from './address-limit';
import type { HoldStore } from './hold-store';
import { createPendingUnitsLimit, type PendingUnitsLimit } from './pending-units-limit';

export interface HoldsDeps {
  holdStore: HoldStore;
  /** Where the per-address tallies live. */
  redis: Redis;
  settings: Pick<
    OrderServiceSettings,
    'maxPendingUnitsPerUser' | 'maxPendingUnitsPerAddress' | 'addressLimitKeyPrefix' | 'pendingOrderTtlMs'
  >;
  /** Longer than any placement can take (see createPendingUnitsLimit). */
  placementGraceMs: number;
  /** The status of each of these orders that was saved (orders/ depends on this folder). */
  statusesOf(orderIds: string[]): Promise<Map<string, string>>;
  /** The placement's give-back of an order never saved (placement/ depends on this folder). */
  giveBackUnplaced(userId: string, orderId: string): Promise<boolean>;
  failures: Counter<'operation'>;
  logger: Logger;
}

/**
 * The caps on units held in pending orders as one component: per customer (the tallies in the
 * hold store) and per client address across its customers (in Redis).
 */
export function createHolds(deps: HoldsDeps): PendingUnitsLimit {
  const { settings, logger } = deps;
  const addressLimit = createAddressLimit({
    redis: deps.redis,
    keyPrefix: settings.addressLimitKeyPrefix ?? 'orders:pending-units:',
    maxUnits: settings.maxPendingUnitsPerAddress,
    // An address's claim lasts as long as its order may stay pending, and its placement.
    holdMs: settings.pendingOrderTtlMs + deps.placementGraceMs,
    failures: deps.failures,
    logger,
  });
  return createPendingUnitsLimit({
    holds: deps.holdStore,
    addressLimit,
    statusesOf: deps.statusesOf,
    // Settling is bookkeeping: a give-back that fails now is counted, logged and retried later.
    giveBackUnplaced: (userId, orderId) =>
      deps.giveBackUnplaced(userId, orderId).catch((error: unknown) => {
        deps.failures.inc({ operation: 'inventory_release' });
        logger.warn({ err: error, orderId }, 'could not give back an unplaced order; retried later');
        return false;
      }),
    maxUnits: settings.maxPendingUnitsPerUser,
    placementGraceMs: deps.placementGraceMs,
    failures: deps.failures,
    logger,
  });
}
