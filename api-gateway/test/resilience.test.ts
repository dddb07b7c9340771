import http from 'node:http';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { deadUrl, listenOnFreePort, stubbedGateways } from './support/gateway';
import { json } from './support/stub-upstream';
import { bearer, validToken } from './support/tokens';

const suite = stubbedGateways();
const { gatewayWith } = suite;

async function timed<T>(action: () => PromiseLike<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await action();
  return { result, ms: performance.now() - started };
}

describe('an upstream that refuses connections', () => {
  it('gives 503 JSON with Retry-After within a second', async () => {
    const gateway = await gatewayWith({ PRODUCT_SERVICE_URL: await deadUrl() });
    const { result: res, ms } = await timed(() => request(gateway.app).get('/api/products'));
    expect(ms).toBeLessThan(1000);
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.body).toMatchObject({
      status: 503,
      error: 'The product service is unavailable',
      requestId: expect.any(String),
      timestamp: expect.any(String),
      details: { service: 'product', reason: 'unreachable' },
    });
  });

  it('leaves the other upstreams working', async () => {
    const gateway = await gatewayWith({ PRODUCT_SERVICE_URL: await deadUrl() });
    await request(gateway.app).get('/api/products').expect(503);
    await request(gateway.app).post('/api/auth/login').send({}).expect(200);
    await request(gateway.app).get('/api/orders').set('Authorization', bearer(validToken())).expect(200);
  });
});

describe('an upstream that answers too slowly', () => {
  it('gives 504 JSON after its own timeout and abandons the upstream request', async () => {
    const gateway = await gatewayWith({ ORDER_UPSTREAM_TIMEOUT_MS: '300', UPSTREAM_TIMEOUT_MS: '5000' });
    let upstreamSawClose = false;
    suite.stubs.order.on('/orders', (_req, res) => {
      res.on('close', () => (upstreamSawClose = true));
      setTimeout(() => json(res, 200, []), 3000).unref();
    });
    const { result: res, ms } = await timed(() =>
      request(gateway.app).get('/api/orders').set('Authorization', bearer(validToken())),
    );
    expect(res.status).toBe(504);
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(2000);
    expect(res.body).toMatchObject({
      status: 504,
      error: 'The order service did not answer in time',
      details: { service: 'order', reason: 'timeout', timeoutMs: 300 },
    });
    await expect.poll(() => upstreamSawClose).toBe(true);
    // Other upstreams keep the general timeout.
    expect(gateway.upstreams.get('user').timeoutMs).toBe(5000);
  });
});

describe('the circuit breaker', () => {
  it('opens after repeated failures, fails fast while open, and closes once the upstream is back', async () => {
    const product = suite.stubs.product;
    const gateway = await gatewayWith({
      CIRCUIT_VOLUME_THRESHOLD: '3',
      CIRCUIT_ERROR_THRESHOLD_PERCENT: '50',
      CIRCUIT_RESET_MS: '3000',
      // The reset-time path here; the readiness probe that closes it sooner is in retry.test.ts.
      CIRCUIT_RECOVERY_PROBE_MS: '60000',
    });
    await request(gateway.app).get('/api/products').expect(200);

    await product.stop();
    for (let i = 0; i < 3; i += 1) await request(gateway.app).get('/api/products').expect(503);
    expect(gateway.upstreams.get('product').circuit.state).toBe('open');

    // Back up, but the open circuit keeps refusing without asking it.
    await product.listen();
    product.received.length = 0;
    const { result: rejected, ms } = await timed(() => request(gateway.app).get('/api/categories'));
    expect(ms).toBeLessThan(500);
    expect(rejected.status).toBe(503);
    expect(rejected.body.details).toEqual({ service: 'product', reason: 'circuit_open' });
    expect(Number(rejected.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(rejected.headers['retry-after'])).toBeLessThanOrEqual(3);
    expect(product.apiRequests).toEqual([]);

    const metrics = await gateway.metricsText();
    expect(metrics).toMatch(/gateway_circuit_state\{upstream="product"[^}]*\} 2/);
    expect(metrics).toMatch(/gateway_circuit_state\{upstream="user"[^}]*\} 0/);
    expect(metrics).toMatch(/gateway_circuit_opened_total\{upstream="product"[^}]*\} 1/);
    expect(metrics).toMatch(
      /gateway_upstream_requests_total\{upstream="product",outcome="circuit_open"[^}]*\} [1-9]/,
    );

    const health = await request(gateway.app).get('/health');
    expect(health.status).toBe(503);
    expect(health.body.services.product).toMatchObject({ status: 'down', circuit: 'open' });

    // After the reset time one trial request goes through and closes the circuit.
    await expect
      .poll(async () => (await request(gateway.app).get('/api/products')).status, {
        timeout: 10_000,
        interval: 200,
      })
      .toBe(200);
    expect(gateway.upstreams.get('product').circuit.state).toBe('closed');
    await request(gateway.app).get('/health').expect(200);
  });

  it('does not count clients that hang up as upstream failures', async () => {
    const gateway = await gatewayWith({ CIRCUIT_VOLUME_THRESHOLD: '2', UPSTREAM_TIMEOUT_MS: '5000' });
    const { server, url } = await listenOnFreePort(gateway.app);
    suite.stubs.user.on('/auth/login', (_req, res) => {
      setTimeout(() => json(res, 200, {}), 2000).unref();
    });
    const before = suite.stubs.user.receivedUnder('/auth/login').length;
    try {
      for (let i = 1; i <= 4; i += 1) {
        // Hang up only once the upstream has the request, so the gateway really was waiting on it.
        const clientRequest = http.request(`${url}/api/auth/login`, { method: 'POST' });
        clientRequest.on('error', () => undefined);
        clientRequest.end('{}');
        await expect.poll(() => suite.stubs.user.receivedUnder('/auth/login').length).toBe(before + i);
        clientRequest.destroy();
      }
      await expect
        .poll(() => gateway.metricsText())
        .toMatch(/gateway_upstream_requests_total\{upstream="user",outcome="client_closed"[^}]*\} 4/);
      expect(gateway.upstreams.get('user').circuit.state).toBe('closed');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('clients that send their body slowly', () => {
  beforeEach(() => {
    suite.stubs.user.on('/auth/login', (_req, res) => json(res, 200, {}));
  });

  /** Sends the headers and part of the declared body, then nothing; resolves with what came back. */
  function slowBody(url: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '200' },
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write('{"email":"slow');
    });
  }

  it('get 408, and many of them never open the circuit for everybody else', async () => {
    const gateway = await gatewayWith({
      USER_UPSTREAM_TIMEOUT_MS: '200',
      CLIENT_BODY_TIMEOUT_MS: '600',
      CIRCUIT_VOLUME_THRESHOLD: '3',
      CIRCUIT_ERROR_THRESHOLD_PERCENT: '50',
    });
    const { server, url } = await listenOnFreePort(gateway.app);
    try {
      const { result: answers, ms } = await timed(() =>
        Promise.all(Array.from({ length: 12 }, () => slowBody(url))),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(408));
      expect(JSON.parse(answers[0]!.body)).toMatchObject({ status: 408, error: expect.any(String) });
      expect(ms).toBeGreaterThanOrEqual(550);

      expect(gateway.upstreams.get('user').circuit.state).toBe('closed');
      await request(gateway.app).post('/api/auth/login').send({ email: 'a@b.co', password: 'x' }).expect(200);
      expect(await gateway.metricsText()).toMatch(
        /gateway_upstream_requests_total\{upstream="user",outcome="client_timeout"[^}]*\} 12/,
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('still get the upstream timeout counted from the end of their body', async () => {
    const gateway = await gatewayWith({ USER_UPSTREAM_TIMEOUT_MS: '300', CLIENT_BODY_TIMEOUT_MS: '5000' });
    const { server, url } = await listenOnFreePort(gateway.app);
    try {
      // 500 ms to send the body, then an upstream that answers at once: longer than the
      // upstream timeout in total, yet no 504, because the upstream was never the slow one.
      const answer = await new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ email: 'a@b.co', password: 'x' });
        const req = http.request(`${url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.write(body.slice(0, 5));
        setTimeout(() => req.end(body.slice(5)), 500);
      });
      expect(answer).toBe(200);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
