import { mongoUrlFor, redisUrl, uniqueName } from '@ecom/test-support';
import { createUserService, loadUserServiceConfig, type UserService } from '@ecom/user-service';
import request from 'supertest';
import { afterAll, beforeAll } from 'vitest';

export type UserServiceUnderTest = UserService;

/** The real service, built by its composition root, over a fresh database and a private Redis key prefix. */
export async function startUserService(env: Record<string, string> = {}): Promise<UserServiceUnderTest> {
  const config = loadUserServiceConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    BCRYPT_ROUNDS: '4',
    MONGODB_URL: mongoUrlFor(uniqueName('users_')),
    REDIS_URL: redisUrl(),
    ...env,
  });
  return createUserService(config, { redisKeyPrefix: `${uniqueName('t')}:` });
}

/** One service for the whole file: started before its tests, stopped after them. */
export function useUserService(
  onStarted: (service: UserServiceUnderTest) => void,
  env: Record<string, string> = {},
): void {
  let started: UserServiceUnderTest | undefined;
  beforeAll(async () => {
    started = await startUserService(env);
    onStarted(started);
  });
  afterAll(() => started?.stop());
}

/**
 * The users collection itself, for what a test checks beneath the store (how many accounts an
 * email has: the store's unique index is what is under test).
 */
export function usersCollection(service: UserServiceUnderTest) {
  return service.connection.collection('users');
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
