import {
  closeRedis,
  connectRedis,
  createRedis,
  openMongoStorage,
  type Redis,
  type RootOptions,
  serviceBasics,
  type ServiceRoot,
  serviceRoot,
} from '@ecom/service-kit';
import type { Connection } from 'mongoose';
import { createApp } from './app';
import type { ProductConfig } from './config';
import { OrderEventsConsumer } from './inventory/order-events-consumer';
import type { StockSweepOptions } from './inventory/stock-sweep';
import { createModels, type Models } from './models';
import { ensureDefaultCategories } from './seed/default-categories';
import { createServices, type Services } from './services';

export interface ProductServiceOptions extends RootOptions {
  /** How long a call waits for another call working on the same order (tests shorten it). */
  orderWaitMs?: number;
  /** How long one read of the order-events stream blocks (tests shorten it so stop() is quick). */
  eventsBlockMs?: number;
  /** The holds bookkeeping's intervals and grace period (tests shorten them). */
  sweep?: StockSweepOptions;
}

export interface ProductService extends ServiceRoot {
  config: ProductConfig;
  connection: Connection;
  models: Models;
  services: Services;
  /** The cache client, with the configured key prefix. */
  redis: Redis;
}

/**
 * The composition root: connects MongoDB and Redis, creates the indexes and the default categories,
 * and builds the app. start() adds the order-events consumer and the stock bookkeeping loops.
 */
export async function createProductService(
  config: ProductConfig,
  options: ProductServiceOptions = {},
): Promise<ProductService> {
  const basics = serviceBasics('product-service', config, options);
  const { logger, metrics, lifecycle } = basics;
  const connection = await openMongoStorage(config, basics);
  const models = await createModels(connection);
  // A hung Redis must not hang requests: cache commands give up after a second and fall back.
  const redis = createRedis(config.REDIS_URL, {
    logger,
    keyPrefix: config.REDIS_KEY_PREFIX,
    overrides: { commandTimeout: 1_000 },
  });
  await connectRedis(redis, logger, 5).catch((error: unknown) =>
    logger.warn({ err: error }, 'starting without Redis: the cache is bypassed until it answers'),
  );

  const services = createServices({
    config,
    models,
    redis,
    logger,
    registry: metrics.registry,
    orderWaitMs: options.orderWaitMs,
    sweep: options.sweep,
  });
  const app = createApp({ config, logger, metrics, lifecycle, connection, services });
  if (config.DEFAULT_CATEGORIES === 'on') {
    const created = await ensureDefaultCategories(models, services.cache);
    if (created > 0) logger.info({ created }, 'empty catalog: default categories created');
  }

  const startConsumer = () => {
    // Blocking stream reads need their own connection; the stream name is shared, so no prefix.
    const consumer = new OrderEventsConsumer(
      // A blocking read in a pipeline would hold back every command queued behind it.
      createRedis(config.REDIS_URL, { logger, overrides: { enableAutoPipelining: false } }),
      services.inventory,
      logger,
      services.metrics,
      {
        stream: config.ORDER_EVENTS_STREAM,
        group: config.ORDER_EVENTS_GROUP,
        consumer: config.ORDER_EVENTS_CONSUMER,
        signingKey: config.INTERNAL_TOKEN,
        blockMs: options.eventsBlockMs,
      },
    );
    consumer.start();
    return () => consumer.stop();
  };
  const root = serviceRoot({
    ...basics,
    app,
    config,
    startBackground: () => [services.sweep.start(), startConsumer()],
    clients: [() => closeRedis(redis), () => connection.close()],
  });
  return { ...root, config, connection, models, services, redis };
}
