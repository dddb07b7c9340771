import { hostname } from 'node:os';
import {
  closeRedis,
  connectRedis,
  createRedis,
  mongoHealthCheck,
  openMongoStorage,
  type Redis,
  type RootOptions,
  serviceBasics,
  type ServiceRoot,
  serviceRoot,
} from '@ecom/service-kit';
import type { Connection } from 'mongoose';
import { createApp } from './app';
import { type OrderServiceConfig, type OrderServiceSettings, settingsFromConfig } from './config';
import { createOutboxRelay } from './events/outbox-relay';
import { type HoldStore, createHoldStore } from './holds/hold-store';
import { createHolds } from './holds/holds';
import { createInventory, type Inventory } from './inventory-client/inventory';
import { createOrderMetrics } from './metrics';
import { createOrderStore, type OrderStore } from './orders/order-store';
import { createPendingExpiry } from './orders/pending-expiry';
import { createPlacement } from './placement/placement';
import { slotOf, type UnplacedOrders } from './placement/unplaced-orders';

export interface OrderServiceOptions extends RootOptions {
  /** Wins over what the config maps to (tests: a stream of their own, a breaker, short waits). */
  settings?: Partial<OrderServiceSettings>;
}

export interface OrderService extends ServiceRoot {
  config: OrderServiceConfig;
  settings: OrderServiceSettings;
  connection: Connection;
  /** Without a key prefix: the events stream name is shared between services. */
  redis: Redis;
  orderStore: OrderStore;
  /** The customers' tallies of units held in pending orders (holds/). */
  holdStore: HoldStore;
  /** product-service as the placement reaches it (reservations behind a circuit breaker). */
  inventory: Inventory;
  /** Placements that ended without a saved order: their stock goes back (placement/). */
  unplaced: UnplacedOrders;
}

/**
 * The composition root: connects MongoDB and Redis, creates the indexes and builds the stores,
 * the components and the app. start() adds the background loops and, once listening, releases
 * what a crashed predecessor left guarded.
 */
export async function createOrderService(
  config: OrderServiceConfig,
  options: OrderServiceOptions = {},
): Promise<OrderService> {
  const startedAt = new Date();
  const basics = serviceBasics('order-service', config, options);
  const { logger, metrics, lifecycle } = basics;
  const connection = await openMongoStorage(config, basics);
  // No key prefix: `events:orders` is a name every service agrees on. A stalled Redis must not
  // stall the outbox relay forever, hence the command timeout.
  const redis = createRedis(config.REDIS_URL, { logger, overrides: { commandTimeout: 2_000 } });
  await connectRedis(redis, logger);
  const settings: OrderServiceSettings = {
    ...settingsFromConfig(config, logger),
    // PORT=0 (tests) takes whatever port is free: no slot a successor could come back to.
    slot: config.PORT === 0 ? undefined : slotOf(hostname(), config.PORT),
    ...options.settings,
  };

  const orderMetrics = createOrderMetrics(metrics);
  const [orderStore, holdStore] = await Promise.all([
    createOrderStore(connection),
    createHoldStore(connection),
  ]);

  // Longer than any placement can take (reservation budget, retries, the save).
  const placementGraceMs = 60_000 + 2 * settings.productTimeoutMs;
  const statusesOf = (ids: string[]) => orderStore.statusesOf(ids);
  // The placement (built below, on these limits) gives back orders never saved; the limits ask
  // it to only while settling a customer's tally, i.e. once requests come in.
  const pendingUnits = createHolds({
    holdStore,
    redis,
    settings,
    placementGraceMs,
    statusesOf,
    giveBackUnplaced: (userId, orderId) => placement.unplaced.giveBack(userId, orderId),
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
    redis,
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
    holds: holdStore,
    orderStore,
    inventory,
    pendingUnits,
    outboxRelay,
    metrics: orderMetrics,
    logger,
  });
  const expiry = createPendingExpiry({
    orderStore,
    pendingUnits,
    outboxRelay,
    metrics: orderMetrics,
    ttlMs: settings.pendingOrderTtlMs,
    logger,
  });
  const loops = [outboxRelay, placement.unplaced, expiry];

  const app = createApp({
    settings,
    logger,
    metrics,
    orderMetrics,
    orderStore,
    placeOrder: placement.placeOrder,
    pendingUnits,
    outboxRelay,
    lifecycle,
    // Redis is left out on purpose: orders are taken while it is down (events wait in the outbox).
    readinessChecks: { mongo: mongoHealthCheck(connection) },
  });

  const root = serviceRoot({
    ...basics,
    app,
    config,
    startBackground: () => {
      loops.forEach((loop) => loop.start());
      // Loops first (they use the clients), then the product-service connection pool.
      return [
        async () => {
          await Promise.all(loops.map((loop) => loop.stop()));
          await inventory.close();
        },
      ];
    },
    // Once listening (see createUnplacedOrders). Not fatal: the guards still come due, only later.
    afterListen: async () => {
      await placement.unplaced.resolvePredecessor(startedAt).catch((error: unknown) => {
        logger.warn({ err: error }, 'could not resolve the guards of a predecessor; they release when due');
      });
    },
    clients: [() => connection.close(), () => closeRedis(redis)],
  });
  return {
    ...root,
    config,
    settings,
    connection,
    redis,
    orderStore,
    holdStore,
    inventory,
    unplaced: placement.unplaced,
  };
}
