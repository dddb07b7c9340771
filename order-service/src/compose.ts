import {
  createMetrics,
  type ServiceMetrics,
  type HealthCheck,
  type Lifecycle,
  type Logger,
  type Redis,
  ensureIndexes,
} from '@ecom/service-kit';
import type { Connection } from 'mongoose';
import { createApp } from './app';
import { BackgroundLoop } from './background-loop';
import { createOutboxRelay } from './events/outbox-relay';
import { createHoldStore, createPendingHoldsModel } from './holds/hold-store';
import { createPendingUnitsLimit } from './holds/pending-units-limit';
import { createIdempotencyModel } from './idempotency/idempotency-model';
import { createIdempotencyStore } from './idempotency/idempotency-store';
import { createInventory } from './inventory-client/inventory';
import { createOrderMetrics } from './metrics';
import { createOrderModel } from './orders/order-model';
import { createOrderStore } from './orders/order-store';
import { expirePendingOrders } from './orders/pending-expiry';
import { toOrderJson } from './orders/serialize';
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

const SWEEP_INTERVAL_MS = 10 * 60_000;
const MAX_EXPIRY_INTERVAL_MS = 60_000;

/** Builds models, clients, background loops and the app; nothing connects or listens here. */
export function composeOrderService(options: ComposeOptions) {
  const { settings, connection, logger } = options;
  const metrics = options.metrics ?? createMetrics('order-service');
  const orderMetrics = createOrderMetrics(metrics);
  const orders = createOrderModel(connection);
  const idempotencyModel = createIdempotencyModel(connection);
  const orderStore = createOrderStore(orders);
  const pendingHolds = createPendingHoldsModel(connection);
  const pendingUnits = createPendingUnitsLimit({
    holds: createHoldStore(pendingHolds),
    orders,
    maxUnits: settings.maxPendingUnitsPerUser,
    // Longer than any placement can take (reservation budget, retries, the save).
    placementGraceMs: 60_000 + 2 * settings.productTimeoutMs,
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
  const idempotency = createIdempotencyStore(idempotencyModel, {
    waitMs: settings.idempotencyWaitMs ?? settings.productTimeoutMs + 5_000,
    replayOrder: async (orderId) => {
      const order = await orders.findById(orderId, { outbox: 0 }).lean();
      return order ? { status: 201, body: toOrderJson(order) } : undefined;
    },
  });
  const outboxRelay = createOutboxRelay({
    orders,
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
    connection,
    slot: settings.slot,
    currency: settings.currency,
    releaseRetryIntervalMs: settings.releaseRetryIntervalMs,
    orders,
    orderStore,
    idempotency,
    inventory,
    pendingUnits,
    outboxRelay,
    metrics: orderMetrics,
    logger,
  });
  const { pendingReleases, releaseRetrier } = placement;
  const sweeper = new BackgroundLoop(
    'idempotency-sweep',
    SWEEP_INTERVAL_MS,
    async () => {
      await idempotency.sweepExpired();
    },
    logger,
    orderMetrics.bookkeepingFailures,
  );
  const expiry = new BackgroundLoop(
    'pending-expiry',
    Math.min(MAX_EXPIRY_INTERVAL_MS, Math.ceil(settings.pendingOrderTtlMs / 4)),
    async () => {
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
    orderMetrics.bookkeepingFailures,
  );
  const loops = [outboxRelay, releaseRetrier, sweeper, expiry];

  const app = createApp({
    settings,
    logger,
    metrics,
    orderMetrics,
    orders,
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
    models: { orders, idempotency: idempotencyModel, pendingReleases, pendingHolds },
    inventory,
    outboxRelay,
    releaseRetrier,
    /** Creates the indexes (the unique idempotency index is what makes duplicates safe). */
    init: () => ensureIndexes([orders, idempotencyModel, pendingReleases, pendingHolds]),
    start: () => loops.forEach((loop) => loop.start()),
    /** Once listening: see createPlacement. */
    resolvePredecessorGuards: placement.resolvePredecessorGuards,
    /** Loops first (they use the clients), then the product-service connection pool. */
    async stop() {
      await Promise.all(loops.map((loop) => loop.stop()));
      await inventory.close();
    },
  };
}

/** Models, clients, loops and the app, as the root (service.ts) starts and stops them. */
export type OrderServiceParts = ReturnType<typeof composeOrderService>;
