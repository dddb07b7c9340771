import {
  createMetrics,
  type ServiceMetrics,
  type HealthCheck,
  type Lifecycle,
  type Logger,
  type Redis,
  ensureIndexes,
  createBackgroundLoop,
} from '@ecom/service-kit';
import type { Connection } from 'mongoose';
import { createApp } from './app';
import { createOutboxRelay } from './events/outbox-relay';
import { createAddressLimit } from './holds/address-limit';
import { createHoldStore, createPendingHoldsModel } from './holds/hold-store';
import { createPendingUnitsLimit } from './holds/pending-units-limit';
import { createInventory } from './inventory-client/inventory';
import { createOrderMetrics } from './metrics';
import { createOrderModel } from './orders/order-model';
import { createOrderStore } from './orders/order-store';
import { expirePendingOrders } from './orders/pending-expiry';
import { createPlacement } from './placement/placement';
import type { OrderServiceSettings } from './settings';

export interface ComposeOptions {
  settings: OrderServiceSettings;
  connection: Connection;
  /** Without a key prefix: the events stream name is shared between services. */
  redis: Redis;
  logger: Logger;
  lifecycle?: Lifecycle;
  readinessChecks?: Record<string, HealthCheck>;
  /** Defaults to a fresh registry; main passes the one its Mongo client already reports into. */
  metrics?: ServiceMetrics;
}

const MAX_EXPIRY_INTERVAL_MS = 60_000;

/** Builds models, clients, background loops and the app; nothing connects or listens here. */
export function composeOrderService(options: ComposeOptions) {
  const { settings, connection, logger } = options;
  const metrics = options.metrics ?? createMetrics('order-service');
  const orderMetrics = createOrderMetrics(metrics);
  const orders = createOrderModel(connection);
  const orderStore = createOrderStore(orders);
  const pendingHolds = createPendingHoldsModel(connection);
  const holds = createHoldStore(pendingHolds);
  // Longer than any placement can take (reservation budget, retries, the save).
  const placementGraceMs = 60_000 + 2 * settings.productTimeoutMs;
  // The placement gives unplaced orders back; the limit needs that before it exists (late binding).
  let giveBackUnplaced: (userId: string, orderId: string) => Promise<boolean> = async () => false;
  const addressLimit = createAddressLimit({
    redis: options.redis,
    keyPrefix: settings.addressLimitKeyPrefix ?? 'orders:pending-units:',
    maxUnits: settings.maxPendingUnitsPerAddress,
    holdMs: settings.pendingOrderTtlMs + placementGraceMs,
    failures: orderMetrics.bookkeepingFailures,
    logger,
  });
  const pendingUnits = createPendingUnitsLimit({
    holds,
    addressLimit,
    statusesOf: (ids) => orderStore.statusesOf(ids),
    giveBackUnplaced: (userId, orderId) => giveBackUnplaced(userId, orderId),
    maxUnits: settings.maxPendingUnitsPerUser,
    placementGraceMs,
    failures: orderMetrics.bookkeepingFailures,
    logger,
  });

  const inventory = createInventory(
    {
      baseUrls: settings.productServiceUrls,
      internalToken: settings.internalToken,
      timeoutMs: settings.productTimeoutMs,
      breaker: settings.breaker,
    },
    orderMetrics,
  );
  const outboxRelay = createOutboxRelay({
    orderStore,
    redis: options.redis,
    maxLen: settings.streamMaxLen,
    stream: settings.stream,
    metrics: orderMetrics,
    logger,
    intervalMs: settings.outboxIntervalMs,
    signingKey: settings.internalToken,
  });
  const placement = createPlacement({
    slot: settings.slot,
    currency: settings.currency,
    releaseRetryIntervalMs: settings.releaseRetryIntervalMs,
    placementGraceMs,
    idempotencyWaitMs: settings.idempotencyWaitMs ?? settings.productTimeoutMs + 5_000,
    holds,
    orderStore,
    inventory,
    pendingUnits,
    outboxRelay,
    metrics: orderMetrics,
    logger,
  });
  const { unplaced } = placement;
  giveBackUnplaced = (userId, orderId) =>
    unplaced.giveBack(userId, orderId).catch((error: unknown) => {
      orderMetrics.bookkeepingFailures.inc({ operation: 'inventory_release' });
      logger.warn({ err: error, orderId }, 'could not give back an unplaced order; retried later');
      return false;
    });
  const expiry = createBackgroundLoop({
    name: 'pending-expiry',
    intervalMs: Math.min(MAX_EXPIRY_INTERVAL_MS, Math.ceil(settings.pendingOrderTtlMs / 4)),
    task: async () => {
      await expirePendingOrders({
        orderStore,
        pendingUnits,
        outboxRelay,
        metrics: orderMetrics,
        ttlMs: settings.pendingOrderTtlMs,
        logger,
      });
    },
    logger,
    failures: orderMetrics.bookkeepingFailures,
  });
  const loops = [outboxRelay, unplaced, expiry];

  const app = createApp({
    settings,
    logger,
    metrics,
    orderMetrics,
    orderStore,
    placeOrder: placement.placeOrder,
    pendingUnits,
    outboxRelay,
    lifecycle: options.lifecycle,
    readinessChecks: options.readinessChecks,
  });

  return {
    app,
    metrics,
    orderMetrics,
    models: { orders, pendingHolds },
    holds,
    inventory,
    outboxRelay,
    unplaced,
    /** Creates the indexes (the unique request-key index is what makes a key place one order). */
    init: () => ensureIndexes([orders, pendingHolds]),
    start: () => loops.forEach((loop) => loop.start()),
    /** Once listening: see createPlacement. */
    resolvePredecessor: unplaced.resolvePredecessor,
    /** Loops first (they use the clients), then the product-service connection pool. */
    async stop() {
      await Promise.all(loops.map((loop) => loop.stop()));
      await inventory.close();
    },
  };
}

/** Models, clients, loops and the app, as the root (service.ts) starts and stops them. */
export type OrderServiceParts = ReturnType<typeof composeOrderService>;
