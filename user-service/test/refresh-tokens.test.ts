import { closeRedis, connectRedis, createLogger, createRedis, type Redis } from '@ecom/service-kit';
import { redisUrl, uniqueName } from '@ecom/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRefreshTokenStore } from '../src/auth/refresh-tokens';

const TTL_SECONDS = 600;
let redis: Redis;
beforeAll(async () => {
  const logger = createLogger('test', 'silent');
  redis = createRedis(redisUrl(), { logger, keyPrefix: `${uniqueName('t')}:` });
  await connectRedis(redis, logger);
});
afterAll(() => closeRedis(redis));

/** The same client, except that a token is issued to `userId` right after each SMEMBERS answers. */
function issuingAfterEachRead(userId: string, issued: Promise<string>[]): Redis {
  return new Proxy(redis, {
    get(target, property, receiver) {
      if (property !== 'smembers') return Reflect.get(target, property, receiver);
      return async (key: string) => {
        const members = await target.smembers(key);
        const issue = createRefreshTokenStore(redis, TTL_SECONDS).issue(userId);
        issued.push(issue);
        await issue;
        return members;
      };
    },
  });
}

describe('revoking every refresh token of a user', () => {
  it('when a token is issued while the revocation runs, then it is revoked too or stays revocable', async () => {
    const userId = uniqueName('user-');
    const issued: Promise<string>[] = [];
    const store = createRefreshTokenStore(issuingAfterEachRead(userId, issued), TTL_SECONDS);
    const before = await store.issue(userId);

    await store.revokeAllFor(userId);
    await expect(store.ownerOf(before)).rejects.toThrow('Invalid or expired refresh token');
    // A token that survives must still be found by the next revocation (a password change after it).
    await createRefreshTokenStore(redis, TTL_SECONDS).revokeAllFor(userId);
    for (const token of await Promise.all(issued))
      await expect(store.ownerOf(token)).rejects.toThrow('Invalid or expired refresh token');
  });
});
