import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Lifecycle } from '../src/health';
import { shutdown } from '../src/lifecycle';
import { createLogger } from '../src/logger';

const logger = createLogger('lifecycle-test', 'silent');

async function listeningServer() {
  const server = createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

describe('shutdown', () => {
  it('when a dependency never finishes closing, then shutdown still ends after the timeout', async () => {
    const closed: string[] = [];
    // Were either bound missing, this test would outlive vitest's own timeout and fail.
    await shutdown({
      server: await listeningServer(),
      lifecycle: new Lifecycle(),
      logger,
      timeoutMs: 200,
      closers: [() => closed.push('loop'), () => new Promise(() => undefined), () => closed.push('client')],
    });
    expect(closed).toEqual(['loop']);
  });

  it('when every dependency closes, then they close in order and shutdown does not wait for the timeout', async () => {
    const closed: string[] = [];
    // Were either bound missing, this test would outlive vitest's own timeout and fail.
    await shutdown({
      server: await listeningServer(),
      lifecycle: new Lifecycle(),
      logger,
      timeoutMs: 60_000,
      closers: [() => closed.push('loop'), async () => closed.push('client')],
    });
    expect(closed).toEqual(['loop', 'client']);
  });

  it('when a drain delay is set, then requests are still answered during it while readiness already fails', async () => {
    const server = await listeningServer();
    const { port } = server.address() as AddressInfo;
    const lifecycle = new Lifecycle();
    const started = Date.now();
    const stopping = shutdown({
      server,
      lifecycle,
      logger,
      timeoutMs: 1_000,
      drainDelayMs: 300,
      closers: [],
    });
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(res.status).toBe(200);
    expect(lifecycle.isShuttingDown).toBe(true);
    await stopping;
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });
});
