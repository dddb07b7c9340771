import './tracing';
import {
  chooseStorageMode,
  connectMongo,
  createDocumentWrites,
  watchForOtherWriters,
  connectRedis,
  createLogger,
  createMetrics,
  createRedis,
  Lifecycle,
  runMain,
  closeRedis,
  serve,
} from '@ecom/service-kit';
import { createApp } from './app';
import { ensureDefaultCategories } from './seed/default-categories';
import { loadProductConfig } from './config';
import { OrderEventsConsumer } from './inventory/order-events-consumer';
import { createModels } from './models';
import { createServices } from './services';

runMain(async () => {
  const config = loadProductConfig();
  const logger = createLogger('product-service', config.LOG_LEVEL);
  const metrics = createMetrics('product-service');
  const connection = await connectMongo(config.MONGODB_URL, {
    poolSize: config.MONGO_POOL_SIZE,
    logger,
    registry: metrics.registry,
  });
  const models = await createModels(connection);
  const storageMode = await chooseStorageMode(connection, config.STORAGE_MODE, logger);
  const writes = createDocumentWrites(storageMode);
  const writers =
    storageMode === 'ferretdb' ? watchForOtherWriters(connection, 'product-service', logger) : undefined;

  // A hung Redis must not hang requests: cache commands give up after a second and fall back.
  const redis = createRedis(config.REDIS_URL, {
    logger,
    keyPrefix: config.REDIS_KEY_PREFIX,
    overrides: { commandTimeout: 1_000 },
  });
  await connectRedis(redis, logger, 5).catch((error: unknown) =>
    logger.warn({ err: error }, 'starting without Redis: the cache is bypassed until it answers'),
  );
  // Blocking stream reads need their own connection; the stream name is shared, so no prefix.
  const eventsRedis = createRedis(config.REDIS_URL, { logger });

  const lifecycle = new Lifecycle();
  const services = createServices({ config, models, redis, logger, registry: metrics.registry, writes });
  const app = createApp({ config, logger, metrics, lifecycle, connection, services });
  if (config.DEFAULT_CATEGORIES === 'on') {
    const created = await ensureDefaultCategories(models, services.cache);
    if (created > 0) logger.info({ created }, 'empty catalog: default categories created');
  }

  const consumer = new OrderEventsConsumer(eventsRedis, services.inventory, logger, services.metrics, {
    stream: config.ORDER_EVENTS_STREAM,
    group: config.ORDER_EVENTS_GROUP,
    consumer: config.ORDER_EVENTS_CONSUMER,
    signingKey: config.INTERNAL_TOKEN,
  });
  consumer.start();

  await serve(app, {
    service: 'product-service',
    port: config.PORT,
    host: config.HOST,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
    closers: [
      async () => writers?.stop(),
      () => consumer.stop(),
      () => closeRedis(redis),
      () => connection.close(),
    ],
  });
});
