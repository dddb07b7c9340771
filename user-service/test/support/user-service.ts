import {
  connectMongo,
  createLogger,
  createMetrics,
  createRedis,
  connectRedis,
  type Redis,
  type StorageMode,
} from '@ecom/service-kit';
import { mongoUrlFor, redisUrl, uniqueName } from '@ecom/test-support';
import type { Connection } from 'mongoose';
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadUserServiceConfig } from '../../src/config';
import { createUserModel, type UserModel } from '../../src/users/user-model';
import { createUserStore, type UserStore } from '../../src/users/user-store';

export interface UserServiceUnderTest {
  app: ReturnType<typeof createApp>;
  users: UserModel;
  userStore: UserStore;
  redis: Redis;
  config: ReturnType<typeof loadUserServiceConfig>;
  close(): Promise<void>;
}

/** The real app over a fresh database and a private Redis key prefix. */
/** `storageMode`: which user store runs (both are exact on the test server; see user-store.test.ts). */
export async function startUserService(
  env: Record<string, string> = {},
  storageMode: StorageMode = 'ferretdb',
): Promise<UserServiceUnderTest> {
  const logger = createLogger('user-service-test', 'silent');
  const config = loadUserServiceConfig({
    NODE_ENV: 'test',
    BCRYPT_ROUNDS: '4',
    MONGODB_URL: mongoUrlFor(uniqueName('users_')),
    REDIS_URL: redisUrl(),
    ...env,
  });
  const connection: Connection = await connectMongo(config.MONGODB_URL, { logger, attempts: 3 });
  const redis = createRedis(config.REDIS_URL, { logger, keyPrefix: `${uniqueName('t')}:` });
  await connectRedis(redis, logger, 3);
  const users = createUserModel(connection);
  await users.init();
  const userStore = createUserStore(users, connection, storageMode, logger);
  await userStore.init();
  const app = createApp({ config, logger, metrics: createMetrics('user-service'), users, userStore, redis });
  return {
    app,
    users,
    userStore,
    redis,
    config,
    close: async () => {
      await connection.close();
      redis.disconnect();
    },
  };
}

export function newEmail(): string {
  return `${uniqueName('user-')}@example.com`;
}

export async function register(
  app: UserServiceUnderTest['app'],
  email = newEmail(),
  password = 'correct horse',
) {
  const response = await request(app).post('/auth/register').send({ email, password, name: 'Test User' });
  if (response.status !== 201)
    throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
  return {
    email,
    password,
    ...(response.body as { accessToken: string; refreshToken: string; user: { id: string } }),
  };
}
