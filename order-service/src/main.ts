import './tracing';
import {
  chooseStorageMode,
  connectMongo,
  connectRedis,
  createLogger,
  createMetrics,
  createRedis,
  Lifecycle,
  mongoHealthCheck,
  runMain,
  closeRedis,
  serve,
  watchForOtherWriters,
} from '@ecom/service-kit';
import { hostname } from 'node:os';
import { composeOrderService } from './compose';
import { slotOf } from './placement/predecessor-guards';
import { loadOrderServiceConfig } from './config';
import { settingsFromConfig } from './settings';

runMain(async () => {
  const startedAt = new Date();
  const config = loadOrderServiceConfig();
  const logger = createLogger('order-service', config.LOG_LEVEL);
  const metrics = createMetrics('order-service');
  const connection = await connectMongo(config.MONGODB_URL, {
    poolSize: config.MONGO_POOL_SIZE,
    logger,
    registry: metrics.registry,
  });
  // No key prefix: `events:orders` is a name every service agrees on. A stalled Redis must not
  // stall the outbox relay forever, hence the command timeout.
  const redis = createRedis(config.REDIS_URL, { logger, overrides: { commandTimeout: 2_000 } });
  await connectRedis(redis, logger);

  const storageMode = await chooseStorageMode(connection, config.STORAGE_MODE, logger);
  const writers =
    storageMode === 'ferretdb' ? watchForOtherWriters(connection, 'order-service', logger) : undefined;
  const lifecycle = new Lifecycle();
  const service = composeOrderService({
    settings: { ...settingsFromConfig(config, storageMode), slot: slotOf(hostname(), config.PORT) },
    connection,
    redis,
    logger,
    lifecycle,
    metrics,
    // Redis is left out on purpose: orders are taken while it is down (events wait in the outbox).
    readinessChecks: { mongo: mongoHealthCheck(connection) },
  });
  await service.init();
  service.start();

  await serve(service.app, {
    service: 'order-service',
    port: config.PORT,
    host: config.HOST,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
    closers: [
      async () => writers?.stop(),
      () => service.stop(),
      () => connection.close(),
      () => closeRedis(redis),
    ],
  });
  // Never throws (a failure is logged and counted): the guards still come due on their own, only later.
  await service.resolvePredecessorGuards(startedAt);
});
