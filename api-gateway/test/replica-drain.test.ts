import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createHttpApp,
  createLifecycle,
  createMetrics,
  type Lifecycle,
  listen,
  shutdown,
} from '@ecom/service-kit';
import pino from 'pino';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from './support/gateway';
import { StubUpstream } from './support/stub-upstream';
import { bearer, validToken } from './support/tokens';

const logger = pino({ level: 'silent' });

/** A user-service stand-in built like the real ones (the kit's app, /ready, listen and shutdown). */
async function startReplica(): Promise<{ server: Server; url: string; lifecycle: Lifecycle }> {
  const lifecycle = createLifecycle();
  const app = createHttpApp(
    {
      service: 'user-service',
      logger,
      metrics: createMetrics('user-service'),
      lifecycle,
      accessLog: 'errors',
    },
    (routes) => {
      // A little work per request, so a drain finds some in flight.
      routes.get('/auth/profile', async (_req, res) => {
        await sleep(5);
        res.json({ ok: true });
      });
      routes.post('/auth/login', async (_req, res) => {
        await sleep(5);
        res.json({ accessToken: 'x' });
      });
    },
  );
  const server = await listen(app, 0);
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lifecycle };
}

const opened: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of opened.splice(0)) await close();
});

/** Four clients sending reads and logins (not retry-safe) one after another until stopped. */
function steadyLoad(gateway: TestGateway) {
  const statuses: number[] = [];
  let running = true;
  const client = async () => {
    for (let i = 0; running; i++) {
      const res =
        i % 2 === 0
          ? await request(gateway.app).get('/api/auth/profile').set('Authorization', bearer(validToken()))
          : await request(gateway.app).post('/api/auth/login').send({ email: 'a@b.c', password: 'x' });
      statuses.push(res.status);
    }
  };
  const clients = Array.from({ length: 4 }, client);
  return {
    statuses,
    async stop() {
      running = false;
      await Promise.all(clients);
    },
  };
}

describe.each([
  { drainDelayMs: 300, what: 'with a drain delay' },
  { drainDelayMs: 0, what: 'closing at once' },
])('when one of two replicas stops gracefully under load ($what)', ({ drainDelayMs }) => {
  it('then no request fails', async () => {
    const [stopping, staying] = [await startReplica(), await startReplica()];
    const other = await StubUpstream.start();
    opened.push(
      async () => staying.server.close(),
      () => other.stop(),
    );
    const gateway = await createTestGateway({
      USER_SERVICE_URL: `${stopping.url},${staying.url}`,
      PRODUCT_SERVICE_URL: other.url,
      ORDER_SERVICE_URL: other.url,
      UPSTREAM_PROBE_MS: '100',
    });
    opened.push(() => gateway.close());
    const load = steadyLoad(gateway);
    await sleep(300);

    await shutdown({
      server: stopping.server,
      lifecycle: stopping.lifecycle,
      logger,
      timeoutMs: 2_000,
      drainDelayMs,
      closers: [],
    });
    await sleep(300);
    await load.stop();

    expect(load.statuses.length).toBeGreaterThan(40);
    expect(load.statuses.filter((status) => status !== 200)).toEqual([]);
  });
});
