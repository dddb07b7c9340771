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
  redisHealthCheck,
  runMain,
  closeRedis,
  serve,
  watchForOtherWriters,
} from '@ecom/service-kit';
import { createApp } from './app';
import { passwordHasherFor } from './auth/passwords';
import { loadUserServiceConfig } from './config';
import { ensureAdminAccount } from './users/admin-bootstrap';
import { createUserModel } from './users/user-model';
import { createUserStore } from './users/user-store';

runMain(async () => {
  const config = loadUserServiceConfig();
  const logger = createLogger('user-service', config.LOG_LEVEL);
  const metrics = createMetrics('user-service');
  const connection = await connectMongo(config.MONGODB_URL, {
    poolSize: config.MONGO_POOL_SIZE,
    logger,
    registry: metrics.registry,
  });
  const redis = createRedis(config.REDIS_URL, { logger, keyPrefix: 'user:' });
  await connectRedis(redis, logger);

  const users = createUserModel(connection);
  await users.init();
  const storageMode = await chooseStorageMode(connection, config.STORAGE_MODE, logger);
  const userStore = createUserStore(users, connection, storageMode, logger);
  const writers =
    storageMode === 'ferretdb' ? watchForOtherWriters(connection, 'user-service', logger) : undefined;
  await userStore.init();
  const passwords = passwordHasherFor(config);
  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
    const admin = { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD, name: config.ADMIN_NAME };
    await ensureAdminAccount(userStore, passwords, admin, logger);
  }

  const lifecycle = new Lifecycle();
  const app = createApp({
    config,
    logger,
    metrics,
    users,
    userStore,
    redis,
    passwords,
    lifecycle,
    readinessChecks: { mongo: mongoHealthCheck(connection), redis: redisHealthCheck(redis) },
  });
  await serve(app, {
    service: 'user-service',
    port: config.PORT,
    host: config.HOST,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
    closers: [async () => writers?.stop(), () => connection.close(), () => closeRedis(redis)],
  });
});
