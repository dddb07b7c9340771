import type { Redis } from '@ecom/service-kit';
import type { IncrementResponse } from 'express-rate-limit';
import type { SharedStore } from './shared-store';

/**
 * Takes a block of hits from the shared counter and adds the block's size to it, in one step; the
 * first hit of a window starts the window's expiry. Returns the counter after the block and the
 * window's remaining milliseconds. The counter is a plain integer key, as rate-limit-redis keeps it.
 */
const TAKE_BLOCK = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {count, ttl}`;

/** A run of counter values this replica may hand out: hits `next`..`last` of the window. */
interface Block {
  next: number;
  last: number;
  size: number;
  takenAt: number;
  resetAt: number;
}

/** A block used up faster than this asks for a bigger one next time. */
const HOT_MS = 1_000;
/** Expired blocks are swept when the table grows past this many clients. */
const SWEEP_ABOVE = 10_000;

export interface PreallocatingStoreOptions {
  redis: Redis;
  /** Key prefix of the counters, shared by every replica. */
  prefix: string;
  /** The limit per window: decides the largest block (see maxBlockFor). */
  limit: number;
}

/**
 * The largest block one replica holds: 2% of the limit, at most 64 hits, at least 1 (limits under
 * 100 are counted exactly, one Redis call per hit).
 */
export function maxBlockFor(limit: number): number {
  return Math.max(1, Math.min(64, Math.floor(limit / 50)));
}

/**
 * A fixed-window counter shared by all replicas through Redis that does not cost a Redis round
 * trip per request. A replica takes hits from the shared counter in blocks (INCRBY n) and hands
 * them out locally; a busy client's blocks grow (1, 2, 4 ... up to maxBlockFor(limit)), an idle
 * one's start again at 1. Every hit handed out was counted in Redis first, so the replicas
 * together never let more than the limit through in a window.
 *
 * Tolerance: hits another replica holds but has not used yet are counted already, so a client may
 * be refused, and sees X-RateLimit-Remaining lower, by up to (replicas - 1) x the block size (2% of
 * the limit per other replica); hits a replica still holds when the window ends are lost the same
 * way. Once a block ends past the limit, the rest of the window is refused without asking Redis.
 */
export interface PreallocatingStore extends SharedStore {
  readonly prefix: string;
}

export function createPreallocatingStore(options: PreallocatingStoreOptions): PreallocatingStore {
  const { redis, prefix, limit } = options;
  const maxBlock = maxBlockFor(limit);
  const blocks = new Map<string, Block>();
  const pending = new Map<string, Promise<void>>();
  let windowMs = 60_000;

  const hand = (block: Block, totalHits: number): IncrementResponse => ({
    totalHits,
    resetTime: new Date(block.resetAt),
  });

  function sweep(now: number): void {
    for (const [key, block] of blocks) if (block.resetAt <= now) blocks.delete(key);
  }

  async function takeBlock(key: string, size: number): Promise<void> {
    const takenAt = Date.now();
    const [count, ttl] = (await redis.eval(TAKE_BLOCK, 1, prefix + key, String(size), String(windowMs))) as [
      number,
      number,
    ];
    if (blocks.size > SWEEP_ABOVE) sweep(takenAt);
    blocks.set(key, { next: count - size + 1, last: count, size, takenAt, resetAt: takenAt + ttl });
  }

  function nextSize(previous: Block | undefined): number {
    if (!previous) return 1;
    const usedUpQuickly = Date.now() - previous.takenAt < HOT_MS;
    return usedUpQuickly ? Math.min(previous.size * 2, maxBlock) : 1;
  }

  /** One block request per key at a time; concurrent requests wait for it and then share it. */
  function refill(key: string, previous: Block | undefined): Promise<void> {
    const inFlight = pending.get(key);
    if (inFlight) return inFlight;
    const request = takeBlock(key, nextSize(previous)).finally(() => pending.delete(key));
    pending.set(key, request);
    return request;
  }

  return {
    localKeys: false,
    prefix,
    init(rateLimitOptions) {
      windowMs = rateLimitOptions.windowMs;
    },
    async increment(key) {
      for (;;) {
        const now = Date.now();
        const block = blocks.get(key);
        if (block && block.resetAt > now) {
          if (block.next <= block.last) return hand(block, block.next++);
          // Past the limit: every further hit of this window is refused, Redis need not count them.
          if (block.last > limit) return hand(block, ++block.last);
        }
        await refill(key, block && block.resetAt > now ? block : undefined);
      }
    },
    async decrement(key) {
      await redis.decr(prefix + key);
    },
    async resetKey(key) {
      blocks.delete(key);
      await redis.del(prefix + key);
    },
    async get(key) {
      const [count, ttl] = await Promise.all([redis.get(prefix + key), redis.pttl(prefix + key)]);
      if (count === null) return undefined;
      return { totalHits: Number(count), resetTime: new Date(Date.now() + Math.max(ttl, 0)) };
    },
  };
}
