import { once } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { retryWithBackoff } from './retry';

export type { Redis } from 'ioredis';

export interface RedisClientOptions {
  logger: Logger;
  /** Namespaces this service's keys in the shared Redis (e.g. "product:"). */
  keyPrefix?: string;
  /** Extra ioredis options, e.g. a dedicated connection for blocking stream reads. */
  overrides?: RedisOptions;
}

/**
 * Commands fail fast while Redis is away (no offline queue, one retry) so callers can fall back
 * instead of hanging; the client keeps reconnecting in the background. Errors are logged once per
 * outage rather than once per reconnect attempt.
 */
export function createRedis(url: string, options: RedisClientOptions): Redis {
  const { logger } = options;
  const client = new Redis(url, {
    keyPrefix: options.keyPrefix,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    // Commands issued in the same tick (concurrent requests' rate-limit checks, cache reads, event
    // publishes) go out in one write: fewer syscalls per request on both sides.
    enableAutoPipelining: true,
    ...options.overrides,
  });
  let healthy = true;
  client.on('error', (error) => {
    if (!healthy) return;
    healthy = false;
    logger.error({ err: error }, 'Redis unavailable');
  });
  client.on('ready', () => {
    if (!healthy) logger.info('Redis connection restored');
    healthy = true;
  });
  return client;
}

/**
 * Without an offline queue a command sent before the socket is ready fails at once ("Stream isn't
 * writeable"): wait for `ready` (bounded, so a Redis that never comes still ends in a retry).
 */
async function untilReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  try {
    await once(client, 'ready', { signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    throw new Error(`Redis ${client.status}`);
  }
}

/**
 * Connects at start, retrying until Redis answers or attempts run out. Waiting for a Redis that is
 * still starting is expected: one info line per attempt, no stack.
 */
export async function connectRedis(client: Redis, logger: Logger, attempts = 10): Promise<void> {
  // A failed first connect is retried by ioredis itself; we only wait for it to answer.
  if (client.status === 'wait') client.connect().catch(() => undefined);
  await retryWithBackoff(
    async () => {
      await untilReady(client, 2_000);
      await client.ping();
    },
    {
      attempts,
      onRetry: (error, attempt) =>
        logger.info(
          { attempt, reason: error instanceof Error ? error.message : String(error) },
          'Redis not reachable yet, retrying',
        ),
    },
  );
  logger.info('connected to Redis');
}

export function redisHealthCheck(client: Redis) {
  return async (): Promise<void> => {
    if (client.status !== 'ready') throw new Error(`Redis ${client.status}`);
    await client.ping();
  };
}

/** quit() waits for pending replies but fails once Redis is gone; then there is nothing to wait for. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') await client.quit();
  else client.disconnect();
}
