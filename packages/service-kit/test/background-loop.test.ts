import { Counter, Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { BackgroundLoop } from '../src/background-loop';
import { createLogger } from '../src/logger';

describe('BackgroundLoop', () => {
  it('when a pass fails, then it is counted by loop and the loop carries on with the next pass', async () => {
    const failures = new Counter({
      name: 'failures_total',
      help: 'test',
      labelNames: ['operation'] as const,
      registers: [new Registry()],
    });
    let passes = 0;
    const loop = new BackgroundLoop(
      'test-loop',
      10,
      async () => {
        passes += 1;
        if (passes === 1) throw new Error('database away');
      },
      createLogger('test', 'silent'),
      failures,
    );

    loop.start();
    await vi.waitFor(() => expect(passes).toBeGreaterThanOrEqual(2), { timeout: 15_000, interval: 50 });
    await loop.stop();

    const counted = await failures.get();
    expect(counted.values).toEqual([{ labels: { operation: 'test-loop_pass' }, value: 1 }]);
  });
});
