import type { Logger, Redis } from '@ecom/service-kit';
import type { Counter } from 'prom-client';

/**
 * Per address: a hash of order id → units plus the total under `#`, and a sorted set of the
 * orders' expiry times. Expired entries are dropped by the next claim of that address, so an entry
 * whose release was lost (a crash) counts for one hold window at most. `TIME` is Redis' clock:
 * every replica claims against the same one.
 */
const CLAIM = `
local tally, expiry, owner = KEYS[1], KEYS[2], KEYS[3]
local orderId, units, cap, holdMs = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
for _, old in ipairs(redis.call('ZRANGEBYSCORE', expiry, '-inf', now, 'LIMIT', 0, 100)) do
  local held = redis.call('HGET', tally, old)
  if held then
    redis.call('HDEL', tally, old)
    redis.call('HINCRBY', tally, '#', -tonumber(held))
  end
  redis.call('ZREM', expiry, old)
end
if redis.call('HEXISTS', tally, orderId) == 1 then return 1 end
local total = tonumber(redis.call('HGET', tally, '#') or '0')
if total + units > cap then return 0 end
redis.call('HSET', tally, orderId, units)
redis.call('HINCRBY', tally, '#', units)
redis.call('ZADD', expiry, now + holdMs, orderId)
redis.call('SET', owner, ARGV[5], 'PX', holdMs)
redis.call('PEXPIRE', tally, holdMs)
redis.call('PEXPIRE', expiry, holdMs)
return 1
`;

/** The order's owner key names its address; the address's keys are derived from it here. */
const RELEASE = `
local address = redis.call('GET', KEYS[1])
if not address then return 0 end
redis.call('DEL', KEYS[1])
local tally = ARGV[1] .. 'a:' .. address
local held = redis.call('HGET', tally, ARGV[2])
if held then
  redis.call('HDEL', tally, ARGV[2])
  redis.call('HINCRBY', tally, '#', -tonumber(held))
end
redis.call('ZREM', ARGV[1] .. 'e:' .. address, ARGV[2])
return 1
`;

export interface AddressLimitDeps {
  redis: Redis;
  /** Every replica must use the same one. */
  keyPrefix: string;
  maxUnits: number;
  /** How long an entry counts without a release: the pending TTL plus the expiry's own delay. */
  holdMs: number;
  failures: Counter<'operation'>;
  logger: Logger;
}

/**
 * The units pending orders hold per client address (as the gateway saw it), across accounts:
 * registering is open, so the per-customer cap alone lets one client hold any share of the stock
 * with enough fresh accounts. One Redis script per claim and per release, no database command.
 * Redis is not needed to take orders (see service.ts): when it fails, the claim lets the order
 * through (counted and logged), and the per-customer cap still holds.
 */
export function createAddressLimit(deps: AddressLimitDeps) {
  const { redis, keyPrefix } = deps;
  const keys = (address: string, orderId: string) => [
    `${keyPrefix}a:${address}`,
    `${keyPrefix}e:${address}`,
    `${keyPrefix}o:${orderId}`,
  ];
  let failing = false;
  function failed(operation: string, error: unknown): void {
    deps.failures.inc({ operation });
    if (failing) return;
    failing = true;
    deps.logger.warn({ err: error }, 'pending units per address: Redis failed; orders are let through');
  }

  return {
    maxUnits: deps.maxUnits,
    /** False when the address would hold more than the cap. */
    async claim(address: string, orderId: string, units: number): Promise<boolean> {
      if (units > deps.maxUnits) return false;
      try {
        const args = [orderId, units, deps.maxUnits, deps.holdMs, address];
        const claimed = await redis.eval(CLAIM, 3, ...keys(address, orderId), ...args);
        failing = false;
        return claimed === 1;
      } catch (error) {
        failed('address_limit_claim', error);
        return true;
      }
    },

    /** Gives the order's units back to its address; a no-op when they are already back. Never throws. */
    async release(orderId: string): Promise<void> {
      try {
        await redis.eval(RELEASE, 1, `${keyPrefix}o:${orderId}`, keyPrefix, orderId);
      } catch (error) {
        // The entry counts until its hold window ends.
        failed('address_limit_release', error);
      }
    },
  };
}

export type AddressLimit = ReturnType<typeof createAddressLimit>;
