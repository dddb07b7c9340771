/**
 * Rate limits, a product-service outage and nginx's own errors, against the real processes.
 * Requests sent straight to a gateway carry their own X-Forwarded-For (the gateways trust one
 * proxy hop, as behind nginx), so each scenario has its own client address and rate-limit budget.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, isErrorShape } from '../support/http';
import { buildAll, findNginx, Stack } from '../support/stack';

const LIMIT = 20;
const AUTH_LIMIT = 8;

let stack: Stack;
let customerToken: string;
let nextClient = 0;
/** A client address of its own, with a fresh rate-limit budget. */
const freshClient = () => ({ 'x-forwarded-for': `198.51.100.${(nextClient += 1)}` });
const customer = {
  email: `limits.${Date.now()}@example.com`,
  password: 'correct horse battery',
  name: 'Lim Its',
};

beforeAll(async () => {
  await buildAll();
  stack = await Stack.start({
    gatewayEnv: {
      RATE_LIMIT_MAX: String(LIMIT),
      AUTH_RATE_LIMIT_MAX: String(AUTH_LIMIT),
      RATE_LIMIT_WINDOW: '60000',
      CIRCUIT_RESET_MS: '2000',
    },
  });
  const gateway = stack.gatewayUrls[0]!;
  expect(
    (await call(gateway, 'POST', '/api/auth/register', { body: customer, headers: freshClient() })).status,
  ).toBe(201);
  const login = await call(gateway, 'POST', '/api/auth/login', {
    body: { email: customer.email, password: customer.password },
    headers: freshClient(),
  });
  customerToken = login.body.accessToken;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

describe('a stopped product-service', () => {
  it('gives 503 on catalog routes within a second while auth and order listing keep working', async () => {
    await stack.process('product').stop();
    for (const path of ['/api/products', '/api/categories', '/api/products/64b000000000000000000009']) {
      const res = await call(stack.entry, 'GET', path);
      expect(res.status, path).toBe(503);
      expect(res.ms, path).toBeLessThan(1000);
      expect(isErrorShape(res.body, 503)).toBe(true);
      expect(res.body.details).toMatchObject({ service: 'product' });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    const login = await call(stack.entry, 'POST', '/api/auth/login', {
      body: { email: customer.email, password: customer.password },
    });
    expect(login.status).toBe(200);
    const orders = await call(stack.entry, 'GET', '/api/orders', { token: customerToken });
    expect(orders.status).toBe(200);
    const health = await call(stack.entry, 'GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body.services.product.status).toBe('down');
    expect(health.body.services.user.status).toBe('up');
  });

  it('serves the catalog again once it is restarted', async () => {
    await stack.process('product').start();
    await expect
      .poll(
        async () =>
          (await call(stack.gatewayUrls[0]!, 'GET', '/api/products', { headers: freshClient() })).status,
        {
          timeout: 15_000,
          interval: 300,
        },
      )
      .toBe(200);
    await expect
      .poll(
        async () =>
          (await call(stack.gatewayUrls[1]!, 'GET', '/api/categories', { headers: freshClient() })).status,
        {
          timeout: 15_000,
          interval: 300,
        },
      )
      .toBe(200);
    await expect
      .poll(async () => (await call(stack.entry, 'GET', '/health')).status, {
        timeout: 15_000,
        interval: 500,
      })
      .toBe(200);
  });
});

describe('rate limits', () => {
  it('send the limit headers and answer 429 with Retry-After once the configured limit is used up', async () => {
    // Orders, not the catalog: nginx answers anonymous catalog reads from its edge cache, which
    // the gateway's limits never see.
    const orders = () => call(stack.entry, 'GET', '/api/orders', { token: customerToken });
    const first = await orders();
    expect(first.status).toBe(200);
    expect(first.headers['x-ratelimit-limit']).toBe(String(LIMIT));
    expect(Number(first.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
    expect(first.headers.ratelimit).toMatch(/^"general"; r=\d+; t=\d+$/);
    let remaining = Number(first.headers['x-ratelimit-remaining']);
    while (remaining > 0) {
      const res = await orders();
      expect(res.status).toBe(200);
      expect(Number(res.headers['x-ratelimit-remaining'])).toBe(remaining - 1);
      remaining -= 1;
    }
    const refused = await orders();
    expect(refused.status).toBe(429);
    expect(isErrorShape(refused.body, 429)).toBe(true);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
  });

  it('are shared by the two gateway replicas', async () => {
    const client = freshClient();
    const remaining: number[] = [];
    for (let i = 0; i < LIMIT; i += 1) {
      const gateway = stack.gatewayUrls[i % 2]!;
      const res = await call(gateway, 'GET', '/api/products', { headers: client });
      expect(res.status).toBe(200);
      remaining.push(Number(res.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual(Array.from({ length: LIMIT }, (_, i) => LIMIT - 1 - i));
    for (const gateway of stack.gatewayUrls) {
      expect((await call(gateway, 'GET', '/api/products', { headers: client })).status).toBe(429);
    }
  });

  it('are lower for the auth endpoints', async () => {
    const client = freshClient();
    const wrong = { email: customer.email, password: 'not the password' };
    for (let i = 0; i < AUTH_LIMIT; i += 1) {
      const res = await call(stack.gatewayUrls[i % 2]!, 'POST', '/api/auth/login', {
        body: wrong,
        headers: client,
      });
      expect(res.status).toBe(401);
    }
    const refused = await call(stack.gatewayUrls[0]!, 'POST', '/api/auth/login', {
      body: wrong,
      headers: client,
    });
    expect(refused.status).toBe(429);
    expect(refused.body.details).toMatchObject({ limiter: 'auth', limit: AUTH_LIMIT });
    // The general budget of the same client is not used up.
    expect((await call(stack.gatewayUrls[0]!, 'GET', '/api/products', { headers: client })).status).toBe(200);
  });
});

describe.skipIf(!findNginx())('nginx', () => {
  it('spreads requests over both gateway replicas and passes the request id along', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `e2e-spread-${i}-${Date.now()}`);
    for (const id of ids) {
      const res = await call(stack.entry, 'GET', '/api/openapi.json', { headers: { 'x-request-id': id } });
      expect(res.status).toBe(200);
      expect(res.headers['x-request-id']).toBe(id);
    }
    const logged = (name: string) => ids.filter((id) => stack.process(name).mentions(id)).length;
    // Access-log lines arrive through a pipe, possibly just after the response.
    await expect.poll(() => logged('gateway-1') + logged('gateway-2')).toBe(ids.length);
    expect(logged('gateway-1')).toBeGreaterThan(0);
    expect(logged('gateway-2')).toBeGreaterThan(0);
  });

  it("keeps the gateways' metrics unreachable whatever the spelling of the path", async () => {
    // Raw paths: a URL parser would resolve the dot segments before nginx ever saw them.
    const rawGet = (rawPath: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest(`${stack.entry}/`, { path: rawPath }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end();
      });
    const spellings = ['/metrics', '/metrics/', '/Metrics', '/METRICS', '//metrics', '/%6Detrics'];
    spellings.push('/api/../metrics', '/health/../metrics', '/metrics?x=1', '/metrics;x', '/api/../METRICS/');
    for (const spelling of spellings) {
      const res = await rawGet(spelling);
      expect({ spelling, status: res.status }).toEqual({ spelling, status: 404 });
      expect(res.text).not.toMatch(/# (HELP|TYPE)/);
    }
    // What is public still reaches a gateway (the loopback client's budget may be spent: 429).
    expect([200, 503]).toContain((await rawGet('/health')).status);
    expect([200, 429]).toContain((await rawGet('/api/products')).status);
  });

  it('gives no fresh rate-limit budget for an invented X-Forwarded-For', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i += 1) {
      const spoofed = { 'x-forwarded-for': `203.0.113.${i + 1}` };
      statuses.push((await call(stack.entry, 'GET', '/api/categories', { headers: spoofed })).status);
    }
    expect(statuses).toContain(429);
  });

  it('answers 502 in the common JSON shape when no gateway replica is up', async () => {
    await stack.process('gateway-1').stop();
    await stack.process('gateway-2').stop();
    const res = await call(stack.entry, 'GET', '/api/products', {
      headers: { 'x-request-id': 'e2e-no-gateway' },
    });
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toMatchObject({ status: 502, requestId: 'e2e-no-gateway', error: expect.any(String) });
  });
});
