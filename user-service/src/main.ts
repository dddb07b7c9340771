import {
  connectMongo,
  connectRedis,
  createLogger,
  createMetrics,
  createRedis,
  handleSignals,
  Lifecycle,
  listen,
  mongoHealthCheck,
  redisHealthCheck,
  runMain,
} from '@ecom/service-kit';
import { createApp } from './app';
import { createPasswordHasher } from './auth/passwords';
import { loadUserServiceConfig } from './config';
import { ensureAdminAccount } from './users/admin-bootstrap';
import { createUserModel } from './users/model';

runMain(async () => {
  const config = loadUserServiceConfig();
  const logger = createLogger('user-service', config.LOG_LEVEL);
  const connection = await connectMongo(config.MONGODB_URL, { poolSize: config.MONGO_POOL_SIZE, logger });
  const redis = createRedis(config.REDIS_URL, { logger, keyPrefix: 'user:' });
  await connectRedis(redis, logger);

  const users = createUserModel(connection);
  await users.init();
  const passwords = createPasswordHasher(config.BCRYPT_ROUNDS, config.BCRYPT_CONCURRENCY);
  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
    const admin = { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD, name: config.ADMIN_NAME };
    await ensureAdminAccount(users, passwords, admin, logger);
  }

  const lifecycle = new Lifecycle();
  const app = createApp({
    config,
    logger,
    metrics: createMetrics('user-service'),
    users,
    redis,
    passwords,
    lifecycle,
    readinessChecks: { mongo: mongoHealthCheck(connection), redis: redisHealthCheck(redis) },
  });
  const server = await listen(app, config.PORT, config.HOST);
  logger.info({ port: config.PORT }, 'user-service listening');
  handleSignals({
    server,
    lifecycle,
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    closers: [() => connection.close(), () => redis.quit()],
  });
});
