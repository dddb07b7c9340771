import { Agent, createServer, get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { createLifecycle } from '../src/health';
import { listen, shutdown } from '../src/lifecycle';
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
      lifecycle: createLifecycle(),
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
      lifecycle: createLifecycle(),
      logger,
      timeoutMs: 60_000,
      closers: [() => closed.push('loop'), async () => closed.push('client')],
    });
    expect(closed).toEqual(['loop', 'client']);
  });

  it('when a drain delay is set, then requests are still answered during it while readiness already fails', async () => {
    const server = await listeningServer();
    const { port } = server.address() as AddressInfo;
    const lifecycle = createLifecycle();
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

  it('when a drain delay is set, then every answer during it asks the client to hang up, so a proxy closes its kept-alive connections itself', async () => {
    const server = await listeningServer();
    const { port } = server.address() as AddressInfo;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const connectionHeader = () =>
      new Promise<string | undefined>((resolve, reject) => {
        httpGet({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.headers.connection));
        }).on('error', reject);
      });
    try {
      expect(await connectionHeader()).toBe('keep-alive');
      const stopping = shutdown({
        server,
        lifecycle: createLifecycle(),
        logger,
        timeoutMs: 1_000,
        drainDelayMs: 300,
        closers: [],
      });
      expect(await connectionHeader()).toBe('close');
      await stopping;
    } finally {
      agent.destroy();
    }
  });
});

describe('draining on shutdown', () => {
  interface LoadOutcome {
    answered: number;
    dropped: string[];
  }

  /** A client that reuses one kept-alive connection, request after request, until refused. */
  async function keepAliveClient(port: number, outcome: LoadOutcome): Promise<void> {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (;;) {
        try {
          await getOnce(agent, port);
          outcome.answered += 1;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? String(error);
          // A refused connection was never accepted: nothing lost, the client may go elsewhere.
          if (code === 'ECONNREFUSED') return;
          outcome.dropped.push(code);
          return;
        }
      }
    } finally {
      agent.destroy();
    }
  }

  function getOnce(agent: Agent, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const request = httpGet({ host: '127.0.0.1', port, path: '/work', agent }, (response) => {
        response.resume();
        response.on('end', resolve);
        response.on('error', reject);
      });
      request.on('error', reject);
    });
  }

  it('when clients keep sending on kept-alive connections, then every accepted request is answered and shutdown ends without the timeout', async () => {
    const app = express();
    app.get('/work', (_req, res) => {
      setTimeout(() => res.json({ ok: true }), 20);
    });
    const server = await listen(app, 0, '127.0.0.1');
    const { port } = server.address() as AddressInfo;
    const outcome: LoadOutcome = { answered: 0, dropped: [] };
    const clients = Array.from({ length: 4 }, () => keepAliveClient(port, outcome));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const started = Date.now();
    await shutdown({ server, lifecycle: createLifecycle(), logger, timeoutMs: 10_000, closers: [] });
    const tookMs = Date.now() - started;
    await Promise.all(clients);

    expect(outcome.dropped).toEqual([]);
    expect(outcome.answered).toBeGreaterThan(0);
    // Without a drain the kept-alive clients hold the server open until the 10 s timeout cuts them.
    expect(tookMs).toBeLessThan(5_000);
  });

  it('when a client hangs up while its handler still works, then the closers wait for the handler to answer', async () => {
    const app = express();
    const events: string[] = [];
    let handlerStarted!: () => void;
    const started = new Promise<void>((resolve) => (handlerStarted = resolve));
    app.get('/work', (_req, res) => {
      handlerStarted();
      // An order save that takes a while after its client is gone.
      setTimeout(() => {
        events.push('handler answered');
        res.json({ ok: true });
      }, 300);
    });
    const server = await listen(app, 0, '127.0.0.1');
    const { port } = server.address() as AddressInfo;
    const request = httpGet({ host: '127.0.0.1', port, path: '/work', agent: false });
    request.on('error', () => undefined);
    await started;
    request.destroy();

    await shutdown({
      server,
      lifecycle: createLifecycle(),
      logger,
      timeoutMs: 5_000,
      closers: [() => events.push('mongo closed')],
    });

    expect(events).toEqual(['handler answered', 'mongo closed']);
  });
});
