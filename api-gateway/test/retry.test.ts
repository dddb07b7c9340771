import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { listenOnFreePort, type StubSet, stubbedGateways } from './support/gateway';
import { json } from './support/stub-upstream';
import { bearer, validToken } from './support/tokens';

const suite = stubbedGateways();
const { gatewayWith } = suite;

/** The upstream refuses connections now and listens again after `ms` (a restart). */
async function restartAfter(stub: StubSet['order'], ms: number): Promise<{ back: Promise<void> }> {
  await stub.stop();
  // Wrapped: an async function returning the bare promise would wait for it.
  return { back: sleep(ms).then(() => stub.listen()) };
}

describe('when an upstream refuses a connection while it restarts', () => {
  it('then a GET is sent once more after the backoff and answers 200', async () => {
    const gateway = await gatewayWith({ UPSTREAM_RETRY_BACKOFF_MS: '400' });
    const { back } = await restartAfter(suite.stubs.product, 100);
    suite.stubs.product.received.length = 0;

    const res = await request(gateway.app).get('/api/products');
    await back;

    expect(res.status).toBe(200);
    expect(suite.stubs.product.apiRequests).toHaveLength(1);
    expect(await gateway.metricsText()).toMatch(
      /gateway_upstream_requests_total\{upstream="product",outcome="retried"[^}]*\} 1/,
    );
  });

  it('then a POST with an Idempotency-Key is sent once more with its body and key intact', async () => {
    const gateway = await gatewayWith({ UPSTREAM_RETRY_BACKOFF_MS: '400' });
    suite.stubs.order.on('/orders', (_req, res) => json(res, 201, { id: 'o1' }));
    const { back } = await restartAfter(suite.stubs.order, 100);
    suite.stubs.order.received.length = 0;
    const body = { items: [{ productId: '64b000000000000000000009', quantity: 2 }] };

    const res = await request(gateway.app)
      .post('/api/orders')
      .set('Authorization', bearer(validToken()))
      .set('Idempotency-Key', 'key-1')
      .send(body);
    await back;

    expect(res.status).toBe(201);
    const received = suite.stubs.order.receivedUnder('/orders');
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body.toString())).toEqual(body);
    expect(received[0]!.headers['idempotency-key']).toBe('key-1');
    expect(received[0]!.headers['content-length']).toBe(String(JSON.stringify(body).length));
  });

  it('then a POST that no key makes safe (a login) is sent once more too: the refused connection carried nothing', async () => {
    const gateway = await gatewayWith({ UPSTREAM_RETRY_BACKOFF_MS: '400' });
    const { back } = await restartAfter(suite.stubs.user, 100);
    suite.stubs.user.received.length = 0;
    const body = { email: 'a@b.c', password: 'x' };

    const res = await request(gateway.app).post('/api/auth/login').send(body);
    await back;

    expect(res.status).toBe(200);
    const received = suite.stubs.user.receivedUnder('/auth/login');
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body.toString())).toEqual(body);
  });

  it('then a login whose connection broke after it was sent is not sent twice: 502 outcome unknown', async () => {
    const gateway = await gatewayWith({ UPSTREAM_RETRY_BACKOFF_MS: '1' });
    suite.stubs.user.on('/auth/login', (_req, res) => void res.socket?.destroy());
    suite.stubs.user.received.length = 0;

    const res = await request(gateway.app).post('/api/auth/login').send({ email: 'a@b.c', password: 'x' });

    expect(res.status).toBe(502);
    expect(res.body.details).toMatchObject({ service: 'user', reason: 'outcome_unknown' });
    expect(suite.stubs.user.receivedUnder('/auth/login')).toHaveLength(1);
  });

  it('then an order sent without a key is retried too, under the key the gateway gave it', async () => {
    const gateway = await gatewayWith({ UPSTREAM_RETRY_BACKOFF_MS: '400' });
    suite.stubs.order.on('/orders', (_req, res) => json(res, 201, { id: 'o3' }));
    const { back } = await restartAfter(suite.stubs.order, 100);
    suite.stubs.order.received.length = 0;

    const res = await request(gateway.app)
      .post('/api/orders')
      .set('Authorization', bearer(validToken()))
      .send({ items: [] });
    await back;

    expect(res.status).toBe(201);
    expect(suite.stubs.order.receivedUnder('/orders')).toHaveLength(1);
  });

  it('then a body over the limit of a retry-safe POST is refused with 413 without reaching it', async () => {
    const gateway = await gatewayWith({ BODY_LIMIT: '1kb' });
    suite.stubs.order.received.length = 0;
    const { url, server } = await listenOnFreePort(gateway.app);
    try {
      // Chunked: no declared length for the cheap check to refuse up front.
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(`${url}/api/orders`, {
          method: 'POST',
          headers: {
            authorization: bearer(validToken()),
            'idempotency-key': 'key-2',
            'content-type': 'application/json',
          },
        });
        req.on('response', (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.write(JSON.stringify({ note: 'x'.repeat(600) }));
        req.end(JSON.stringify({ more: 'y'.repeat(600) }));
      });
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ status: 413, details: { limitBytes: 1024 } });
    } finally {
      server.closeAllConnections();
      server.close();
    }
    expect(suite.stubs.order.receivedUnder('/orders')).toEqual([]);
  });
});

describe('when a retry-safe POST’s body is read before forwarding', () => {
  it('then a body that does not arrive within CLIENT_BODY_TIMEOUT_MS is a 408 and never reaches the service', async () => {
    const gateway = await gatewayWith({ CLIENT_BODY_TIMEOUT_MS: '300' });
    suite.stubs.order.received.length = 0;
    const { url, server } = await listenOnFreePort(gateway.app);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(`${url}/api/orders`, {
          method: 'POST',
          headers: {
            authorization: bearer(validToken()),
            'idempotency-key': 'slow-1',
            'content-type': 'application/json',
            'content-length': '100',
          },
        });
        req.on('response', (response) => resolve(response.statusCode ?? 0));
        req.on('error', reject);
        req.write('{"items":'); // and nothing more
      });
      expect(status).toBe(408);
      expect(suite.stubs.order.receivedUnder('/orders')).toEqual([]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('when an open circuit’s upstream is ready again', () => {
  it('then the circuit closes within a probe interval, long before its reset time', async () => {
    const gateway = await gatewayWith({
      CIRCUIT_VOLUME_THRESHOLD: '2',
      CIRCUIT_RESET_MS: '60000',
      CIRCUIT_RECOVERY_PROBE_MS: '100',
      UPSTREAM_RETRY_BACKOFF_MS: '1',
    });
    await suite.stubs.product.stop();
    for (let i = 0; i < 2; i += 1) await request(gateway.app).get('/api/products').expect(503);
    expect(gateway.upstreams.get('product').circuit.state).toBe('open');

    // Not ready yet: /ready answering 503 keeps the circuit open.
    suite.stubs.product.on('/ready', (_req, res) => json(res, 503, { status: 'not_ready' }));
    await suite.stubs.product.listen();
    await sleep(400);
    expect(gateway.upstreams.get('product').circuit.state).toBe('open');

    suite.stubs.product.on('/ready', (_req, res) => json(res, 200, { status: 'ready' }));
    const readyAt = Date.now();
    await expect.poll(() => gateway.upstreams.get('product').circuit.state, { interval: 20 }).toBe('closed');
    expect(Date.now() - readyAt).toBeLessThan(1_000);
    await request(gateway.app).get('/api/products').expect(200);
  });
});

describe('when the outcome of an order is unknown to the gateway', () => {
  it('then an order without an Idempotency-Key gets one from the gateway on its way upstream', async () => {
    const gateway = await gatewayWith({});
    suite.stubs.order.on('/orders', (_req, res) => json(res, 201, { id: 'o2' }));
    suite.stubs.order.received.length = 0;

    await request(gateway.app)
      .post('/api/orders')
      .set('Authorization', bearer(validToken()))
      .send({ items: [] })
      .expect(201);

    const key = suite.stubs.order.receivedUnder('/orders')[0]!.headers['idempotency-key'];
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('then a connection broken after the order was sent answers 502 outcome_unknown with the key to repeat it with', async () => {
    const gateway = await gatewayWith({ UPSTREAM_RETRY_BACKOFF_MS: '1' });
    // The service dies after reading the order: it may or may not have saved it.
    suite.stubs.order.on('/orders', (_req, res) => void res.socket?.destroy());
    suite.stubs.order.received.length = 0;

    const res = await request(gateway.app)
      .post('/api/orders')
      .set('Authorization', bearer(validToken()))
      .send({ items: [] });

    expect(res.status).toBe(502);
    const sent = suite.stubs.order.receivedUnder('/orders').map((req) => req.headers['idempotency-key']);
    // Sent once more with the same key (safe: the service answers a repeat with the first outcome).
    expect(sent).toHaveLength(2);
    expect(new Set(sent).size).toBe(1);
    expect(res.headers['idempotency-key']).toBe(sent[0]);
    expect(res.body).toMatchObject({
      status: 502,
      details: { service: 'order', reason: 'outcome_unknown', idempotencyKey: sent[0] },
    });
  });

  it('then an order that times out answers 504 outcome_unknown with the client’s own key', async () => {
    const gateway = await gatewayWith({ ORDER_UPSTREAM_TIMEOUT_MS: '200' });
    suite.stubs.order.on('/orders', (_req, res) => {
      setTimeout(() => json(res, 201, {}), 2_000).unref();
    });

    const res = await request(gateway.app)
      .post('/api/orders')
      .set('Authorization', bearer(validToken()))
      .set('Idempotency-Key', 'client-key-1')
      .send({ items: [] });

    expect(res.status).toBe(504);
    expect(res.headers['idempotency-key']).toBe('client-key-1');
    expect(res.body.details).toEqual({
      service: 'order',
      reason: 'outcome_unknown',
      idempotencyKey: 'client-key-1',
    });
  });

  it('then a read whose connection broke stays a plain 503 after its retry', async () => {
    const gateway = await gatewayWith({ UPSTREAM_RETRY_BACKOFF_MS: '1' });
    suite.stubs.product.on('/products', (_req, res) => void res.socket?.destroy());

    const res = await request(gateway.app).get('/api/products');

    expect(res.status).toBe(503);
    expect(res.body.details).toEqual({ service: 'product', reason: 'unreachable' });
  });
});
