import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from '@ecom/service-kit';
import { InvalidRefreshToken, SessionStoreUnavailable } from './auth-errors';

/**
 * Refresh tokens are opaque random strings; Redis keeps only their SHA-256 so a leaked Redis
 * dump cannot be replayed. Each use rotates the token. Presenting an already-rotated token means
 * it was stolen or replayed, so every refresh token of that user is revoked.
 *
 * A refresh reads the owner (`ownerOf`), issues the new token, then spends the old one
 * (`consume`) in one atomic step that also settles a reuse: of two concurrent refreshes with one
 * token, exactly one spends it, and the other finds it spent and revokes every token of the user,
 * including the one the first has just issued (issued before spending, so already in the user's set).
 */
export interface RefreshTokenStore {
  issue(userId: string): Promise<string>;
  /** The owner of a live token, which stays live; a spent token is a reuse: revokes, then fails. */
  ownerOf(token: string): Promise<string>;
  /**
   * Spends `token`, handing its place to `replacement` (issued to the same owner). If the token
   * is no longer live, `replacement` is revoked too, and a reuse revokes all the owner's tokens.
   */
  consume(token: string, replacement: string): Promise<void>;
  revoke(token: string): Promise<void>;
  revokeAllFor(userId: string): Promise<void>;
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');
const activeKey = (hash: string) => `refresh:${hash}`;
const usedKey = (hash: string) => `refresh-used:${hash}`;
const userSetKey = (userId: string) => `refresh-user:${userId}`;

/**
 * Spends a live token in one step (KEYS[1] its live key, KEYS[2] its spent marker; ARGV: key
 * prefix, its hash, the marker's TTL, and "spend" or "check"). A token already spent revokes all
 * its owner's tokens in that same step, so no concurrent refresh slips between reading and marking.
 * Returns {1, owner} for a live token, {0, owner} for a reuse, {0, false} for an unknown one. The
 * user set's and tokens' keys are built here from the prefix: one Redis, no cluster slots.
 */
const SPEND = `
local owner = redis.call('GET', KEYS[1])
if owner then
  if ARGV[4] == 'spend' then
    redis.call('DEL', KEYS[1])
    redis.call('SREM', ARGV[1] .. 'refresh-user:' .. owner, ARGV[2])
    redis.call('SET', KEYS[2], owner, 'EX', ARGV[3])
  end
  return {1, owner}
end
local reusedBy = redis.call('GET', KEYS[2])
if not reusedBy then return {0, false} end
local set = ARGV[1] .. 'refresh-user:' .. reusedBy
for _, hash in ipairs(redis.call('SMEMBERS', set)) do redis.call('DEL', ARGV[1] .. 'refresh:' .. hash) end
redis.call('DEL', set)
return {0, reusedBy}
`;

/**
 * Revokes every token of a user in one step (KEYS[1] the user's set; ARGV[1] the key prefix): a
 * token issued between reading the set and deleting it would otherwise stay live, out of the set,
 * where no later revocation (the next password change) could find it.
 */
const REVOKE_ALL = `
for _, hash in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('DEL', ARGV[1] .. 'refresh:' .. hash) end
redis.call('DEL', KEYS[1])
`;

async function redisCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new SessionStoreUnavailable(error);
  }
}

export function createRefreshTokenStore(redis: Redis, ttlSeconds: number): RefreshTokenStore {
  const revokeAllFor = async (userId: string) => {
    const prefix = redis.options.keyPrefix ?? '';
    await redisCall(() => redis.eval(REVOKE_ALL, 1, userSetKey(userId), prefix));
  };

  const revoke = async (token: string) => {
    const hash = digest(token);
    const userId = await redisCall(() => redis.getdel(activeKey(hash)));
    if (userId) await redisCall(() => redis.srem(userSetKey(userId), hash));
  };

  const spend = async (token: string, mode: 'spend' | 'check') => {
    const hash = digest(token);
    const prefix = redis.options.keyPrefix ?? '';
    return (await redisCall(() =>
      redis.eval(SPEND, 2, activeKey(hash), usedKey(hash), prefix, hash, String(ttlSeconds), mode),
    )) as [0 | 1, string | null];
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

    async ownerOf(token) {
      const [live, owner] = await spend(token, 'check');
      if (!live || !owner) throw new InvalidRefreshToken();
      return owner;
    },

    async consume(token, replacement) {
      const [live] = await spend(token, 'spend');
      if (live) return;
      await revoke(replacement);
      throw new InvalidRefreshToken();
    },

    revoke,

    revokeAllFor,
  };
}
