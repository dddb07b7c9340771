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
import { composeOrderService, type OrderServiceParts } from './compose';
import type { OrderServiceConfig } from './config';
import { slotOf } from './placement/unplaced-orders';
import { type OrderServiceSettings, settingsFromConfig } from './settings';

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
  /** Models, clients and loops as composed (compose.ts). */
  parts: OrderServiceParts;
}

/**
 * The composition root: connects MongoDB and Redis, creates the indexes and builds the app (compose.ts). start() adds the
 * background loops and, once listening, releases what a crashed predecessor left guarded.
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
  const parts = composeOrderService({
    settings,
    connection,
    redis,
    logger,
    lifecycle,
    metrics,
    // Redis is left out on purpose: orders are taken while it is down (events wait in the outbox).
    readinessChecks: { mongo: mongoHealthCheck(connection) },
  });
  await parts.init();

  const root = serviceRoot({
    ...basics,
    app: parts.app,
    config,
    startBackground: () => {
      parts.start();
      return [() => parts.stop()];
    },
    // Not fatal: the guards still come due on their own, only later.
    afterListen: async () => {
      await parts.resolvePredecessor(startedAt).catch((error: unknown) => {
        logger.warn({ err: error }, 'could not resolve the guards of a predecessor; they release when due');
      });
    },
    clients: [() => connection.close(), () => closeRedis(redis)],
  });
  return { ...root, config, settings, connection, redis, parts };
}
