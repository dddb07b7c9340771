import { createHash, randomBytes } from 'node:crypto';
import { HttpError, type Redis } from '@ecom/service-kit';

/**
 * Refresh tokens are opaque random strings; Redis keeps only their SHA-256 so a leaked Redis
 * dump cannot be replayed. Each use rotates the token. Presenting an already-rotated token means
 * it was stolen or replayed, so every refresh token of that user is revoked.
 */
export interface RefreshTokenStore {
  issue(userId: string): Promise<string>;
  /** Consumes a token and returns its owner; a second use of the same token fails. */
  consume(token: string): Promise<string>;
  revoke(token: string): Promise<void>;
  revokeAllFor(userId: string): Promise<void>;
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');
const activeKey = (hash: string) => `refresh:${hash}`;
const usedKey = (hash: string) => `refresh-used:${hash}`;
const userSetKey = (userId: string) => `refresh-user:${userId}`;

async function redisCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new HttpError(503, 'Session store unavailable, try again shortly', {
      headers: { 'Retry-After': '5' },
      cause: error,
    });
  }
}

export function createRefreshTokenStore(redis: Redis, ttlSeconds: number): RefreshTokenStore {
  const revokeAllFor = async (userId: string) => {
    const hashes = await redisCall(() => redis.smembers(userSetKey(userId)));
    const keys = hashes.map(activeKey);
    await redisCall(() => redis.del(userSetKey(userId), ...keys));
  };

  return {
    async issue(userId) {
      const token = randomBytes(32).toString('base64url');
      const hash = digest(token);
      await redisCall(() =>
        redis
          .multi()
          .set(activeKey(hash), userId, 'EX', ttlSeconds)
          .sadd(userSetKey(userId), hash)
          .expire(userSetKey(userId), ttlSeconds)
          .exec(),
      );
      return token;
    },

    async consume(token) {
      const hash = digest(token);
      const userId = await redisCall(() => redis.getdel(activeKey(hash)));
      if (userId) {
        await redisCall(() =>
          redis.multi().srem(userSetKey(userId), hash).set(usedKey(hash), userId, 'EX', ttlSeconds).exec(),
        );
        return userId;
      }
      const reusedBy = await redisCall(() => redis.get(usedKey(hash)));
      if (reusedBy) await revokeAllFor(reusedBy);
      throw HttpError.unauthorized('Invalid or expired refresh token');
    },

    async revoke(token) {
      const hash = digest(token);
      const userId = await redisCall(() => redis.getdel(activeKey(hash)));
      if (userId) await redisCall(() => redis.srem(userSetKey(userId), hash));
    },

    revokeAllFor,
  };
}
