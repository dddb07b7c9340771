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
