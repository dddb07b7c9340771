import {
  closeRedis,
  connectRedis,
  createRedis,
  mongoHealthCheck,
  openMongoStorage,
  type Redis,
  redisHealthCheck,
  type RootOptions,
  serviceBasics,
  type ServiceRoot,
  serviceRoot,
} from '@ecom/service-kit';
import type { Connection } from 'mongoose';
import { createApp } from './app';
import { type PasswordHasher, passwordHasherFor } from './auth/passwords';
import { createRefreshTokenStore } from './auth/refresh-tokens';
import type { UserServiceConfig } from './config';
import { createProfileUseCases } from './profile/profile-use-cases';
import { ensureAdminAccount } from './users/admin-bootstrap';
import { createUserStore, type UserStore } from './users/user-store';

export interface UserServiceOptions extends RootOptions {
  /** Default `user:`; tests give each instance its own so they never share keys. */
  redisKeyPrefix?: string;
}

export interface UserService extends ServiceRoot {
  config: UserServiceConfig;
  /** The MongoDB connection it opened (closed by stop()). */
  connection: Connection;
  userStore: UserStore;
  redis: Redis;
  passwords: PasswordHasher;
}

/**
 * The composition root: connects MongoDB and Redis, creates the indexes and the configured admin,
 * and builds the app.
 */
export async function createUserService(
  config: UserServiceConfig,
  options: UserServiceOptions = {},
): Promise<UserService> {
  const basics = serviceBasics('user-service', config, options);
  const { logger } = basics;
  const connection = await openMongoStorage(config, basics);
  const redis = createRedis(config.REDIS_URL, { logger, keyPrefix: options.redisKeyPrefix ?? 'user:' });
  await connectRedis(redis, logger);

  if (config.signingKeysGenerated) {
    logger.warn('JWT_SIGNING_KEYS is unset: signing with a key made for this process (development only)');
  }
  const userStore = await createUserStore(connection);
  const passwords = passwordHasherFor(config);
  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
    const admin = { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD, name: config.ADMIN_NAME };
    await ensureAdminAccount(userStore, passwords, admin, logger);
  }

  const refreshTokens = createRefreshTokenStore(redis, config.refreshTokenTtlSeconds);
  const profile = createProfileUseCases({ users: userStore, passwords, refreshTokens });
  const app = createApp({
    config,
    logger,
    metrics: basics.metrics,
    userStore,
    passwords,
    refreshTokens,
    profile,
    lifecycle: basics.lifecycle,
    readinessChecks: { mongo: mongoHealthCheck(connection), redis: redisHealthCheck(redis) },
  });
  const root = serviceRoot({
    ...basics,
    app,
    config,
    clients: [() => connection.close(), () => closeRedis(redis)],
  });
  return { ...root, config, connection, userStore, redis, passwords };
}
