import { Counter, Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { createBackgroundLoop } from '../src/background-loop';
import { createLogger } from '../src/logger';

describe('createBackgroundLoop', () => {
  it('when a pass fails, then it is counted by loop and the loop carries on with the next pass', async () => {
    const failures = new Counter({
      name: 'failures_total',
      help: 'test',
      labelNames: ['operation'] as const,
      registers: [new Registry()],
    });
    let passes = 0;
    const loop = createBackgroundLoop({
      name: 'test-loop',
      intervalMs: 10,
      task: async () => {
        passes += 1;
        if (passes === 1) throw new Error('database away');
      },
      logger: createLogger('test', 'silent'),
      failures: failures,
    });

    loop.start();
    await vi.waitFor(() => expect(passes).toBeGreaterThanOrEqual(2), { timeout: 15_000, interval: 50 });
    await loop.stop();

    const counted = await failures.get();
    expect(counted.values).toEqual([{ labels: { operation: 'test-loop_pass' }, value: 1 }]);
  });
});
