import { setTimeout as sleep } from 'node:timers/promises';
import { mongoUrlFor, uniqueName } from '@ecom/test-support';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger';
import { connectMongo } from '../src/mongo';
import { watchForOtherWriters } from '../src/single-writer';

const silent = createLogger('single-writer-test', 'silent');

function recorder() {
  const messages: string[] = [];
  return {
    messages,
    logger: { error: (_details: unknown, message?: string) => void messages.push(message ?? '') },
  };
}

describe('the one-writer check of the ferretdb storage mode', () => {
  it('when two processes of one service write to one database, then both log an error naming the mode', async () => {
    const connection = await connectMongo(mongoUrlFor(uniqueName('writers_')), {
      logger: silent,
      attempts: 3,
    });
    const [one, two] = [recorder(), recorder()];
    const checks = [
      watchForOtherWriters(connection, 'order-service', one.logger, 40),
      watchForOtherWriters(connection, 'order-service', two.logger, 40),
    ];
    try {
      await expect
        .poll(() => one.messages.length + two.messages.length, { timeout: 5_000 })
        .toBeGreaterThan(1);
      expect([...one.messages, ...two.messages].join('\n')).toMatch(/ONE replica/);
    } finally {
      checks.forEach((check) => check.stop());
      await connection.close();
    }
  });

  it('when a process restarts after its predecessor stopped, then nothing is logged', async () => {
    const connection = await connectMongo(mongoUrlFor(uniqueName('writers_')), {
      logger: silent,
      attempts: 3,
    });
    const [first, second] = [recorder(), recorder()];
    try {
      const before = watchForOtherWriters(connection, 'product-service', first.logger, 40);
      await sleep(150);
      before.stop();
      const after = watchForOtherWriters(connection, 'product-service', second.logger, 40);
      await sleep(300);
      after.stop();
      expect([...first.messages, ...second.messages]).toEqual([]);
    } finally {
      await connection.close();
    }
  });
});
