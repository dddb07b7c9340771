import { findFreePort, redisUrl } from '@ecom/test-support';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../src/logger';
import { closeRedis, connectRedis, createRedis } from '../src/redis';

const logger = createLogger('test', 'silent');

describe('closeRedis', () => {
  it('quits a connected client politely', async () => {
    const client = createRedis(redisUrl(), { logger });
    await connectRedis(client, logger, 3);
    await closeRedis(client);
    await vi.waitFor(() => expect(client.status).toBe('end'));
  });

  it('does not fail at shutdown when Redis is already gone', async () => {
    const client = createRedis(`redis://127.0.0.1:${await findFreePort()}`, { logger });
    client.connect().catch(() => undefined);
    await expect(closeRedis(client)).resolves.toBeUndefined();
    await vi.waitFor(() => expect(client.status).toBe('end'));
  });
});

describe('connectRedis', () => {
  it('when Redis is up, then connecting logs no warning (no command is sent before the socket is ready)', async () => {
    const warnings: unknown[] = [];
    const recording = createLogger('test', 'silent');
    recording.warn = ((...args: unknown[]) => void warnings.push(args)) as typeof recording.warn;
    const client = createRedis(redisUrl(), { logger: recording });
    await connectRedis(client, recording, 3);
    expect(warnings).toEqual([]);
    await closeRedis(client);
  });
});
