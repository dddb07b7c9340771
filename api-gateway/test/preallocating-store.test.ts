import { connectRedis, createLogger, createRedis, type Redis } from '@ecom/service-kit';
import { redisUrl, uniqueName } from '@ecom/test-support';
import type { Options } from 'express-rate-limit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createPreallocatingStore,
  maxBlockFor,
  type PreallocatingStore,
} from '../src/rate-limit/preallocating-store';

let redis: Redis;

beforeAll(async () => {
  const logger = createLogger('test', 'silent');
  redis = createRedis(redisUrl(), { logger });
  await connectRedis(redis, logger, 3);
});

afterAll(async () => {
  await redis?.quit();
});

function storeFor(limit: number, prefix: string): PreallocatingStore {
  const store = createPreallocatingStore({ redis, prefix, limit });
  store.init({ windowMs: 60_000 } as Options);
  return store;
}

describe('the pre-allocating rate-limit store', () => {
  it('when one client sends many requests, then Redis is asked once per block, not once per request', async () => {
    const prefix = `${uniqueName('rl')}:`;
    const store = storeFor(100_000, prefix);
    const calls = vi.spyOn(redis, 'eval');
    const hits: number[] = [];
    for (let i = 0; i < 1_000; i += 1) hits.push((await store.increment('client')).totalHits);
    expect(hits).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
    // Blocks of 1, 2, 4 ... 64: 7 to reach the largest, then one per 64 hits.
    expect(calls.mock.calls.length).toBeLessThanOrEqual(7 + Math.ceil(1_000 / 64));
    calls.mockRestore();
    // Redis counted every hit handed out, and at most one block more.
    const counted = Number(await redis.get(`${prefix}client`));
    expect(counted).toBeGreaterThanOrEqual(1_000);
    expect(counted).toBeLessThan(1_000 + maxBlockFor(100_000));
  });

  it('when two replicas share a client, then together they never let more than the limit through', async () => {
    const prefix = `${uniqueName('rl')}:`;
    const limit = 500;
    const replicas = [storeFor(limit, prefix), storeFor(limit, prefix)];
    let allowed = 0;
    await Promise.all(
      Array.from({ length: 700 }, async (_, i) => {
        const { totalHits } = await replicas[i % 2]!.increment('shared');
        if (totalHits <= limit) allowed += 1;
      }),
    );
    expect(allowed).toBeLessThanOrEqual(limit);
    // Only hits the other replica held and did not use are lost.
    expect(allowed).toBeGreaterThanOrEqual(limit - maxBlockFor(limit));
  });

  it('when a client is over the limit, then further requests in the window are refused without Redis', async () => {
    const prefix = `${uniqueName('rl')}:`;
    const store = storeFor(3, prefix);
    for (let i = 0; i < 4; i += 1) await store.increment('greedy');
    const calls = vi.spyOn(redis, 'eval');
    const refused = await Promise.all(Array.from({ length: 20 }, () => store.increment('greedy')));
    expect(refused.every((result) => result.totalHits > 3)).toBe(true);
    expect(calls).not.toHaveBeenCalled();
    calls.mockRestore();
  });

  it('when the window is reset, then the client starts again from the first hit', async () => {
    const prefix = `${uniqueName('rl')}:`;
    const store = storeFor(1_000, prefix);
    for (let i = 0; i < 5; i += 1) await store.increment('again');
    await store.resetKey('again');
    expect((await store.increment('again')).totalHits).toBe(1);
    expect(await store.get('again')).toMatchObject({ totalHits: 1 });
  });

  it('keeps blocks small: 2% of the limit, at most 64, exact below 100', () => {
    expect([maxBlockFor(20), maxBlockFor(99), maxBlockFor(500), maxBlockFor(5_000)]).toEqual([1, 1, 10, 64]);
  });
});
