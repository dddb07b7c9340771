import type { ApiGatewayOptions } from '@ecom/api-gateway';
import { startRedis, uniqueName, type RunningServer } from '@ecom/test-support';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { capturingLogger, stubbedGateways } from './support/gateway';

const suite = stubbedGateways();
const gatewayWith = (env: Record<string, string>, options?: ApiGatewayOptions) =>
  suite.gatewayWith({ RATE_LIMIT_WINDOW: '60000', ...env }, options);

describe('rate limit headers', () => {
  it('tell the client its limit, what remains and when the window resets', async () => {
    const gateway = await gatewayWith({ RATE_LIMIT_MAX: '10' });
    const res = await request(gateway.app).get('/api/products').expect(200);
    expect(res.headers['x-ratelimit-limit']).toBe('10');
    expect(res.headers['x-ratelimit-remaining']).toBe('9');
    const reset = Number(res.headers['x-ratelimit-reset']);
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
    expect(res.headers.ratelimit).toMatch(/^"general"; r=9; t=\d+$/);
    expect(res.headers['ratelimit-policy']).toMatch(/^"general"; q=10; w=60/);
  });

  it('are not spent on health checks and docs', async () => {
    const gateway = await gatewayWith({ RATE_LIMIT_MAX: '1' });
    for (let i = 0; i < 3; i += 1) {
      await request(gateway.app).get('/health').expect(200);
      await request(gateway.app).get('/api/openapi.json').expect(200);
    }
    await request(gateway.app).get('/api/products').expect(200);
  });
});

describe('the general limit', () => {
  it('answers 429 in the common error shape with Retry-After once exhausted', async () => {
    const gateway = await gatewayWith({ RATE_LIMIT_MAX: '3' });
    for (let i = 0; i < 3; i += 1) await request(gateway.app).get('/api/categories').expect(200);
    const res = await request(gateway.app).get('/api/categories');
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({
      status: 429,
      error: expect.stringContaining('Too many requests'),
      requestId: expect.any(String),
      timestamp: expect.any(String),
      details: { limiter: 'general', limit: 3, windowSeconds: 60 },
    });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['x-ratelimit-remaining']).toBe('0');
    expect(suite.stubs.product.receivedUnder('/categories').length).toBeGreaterThanOrEqual(3);
    expect(await gateway.metricsText()).toMatch(
      /gateway_rate_limit_rejections_total\{limiter="general"[^}]*\} 1/,
    );
  });
});

describe('the auth limit', () => {
  it('is separate from and lower than the general one', async () => {
    const gateway = await gatewayWith({ RATE_LIMIT_MAX: '100', AUTH_RATE_LIMIT_MAX: '2' });
    await request(gateway.app).post('/api/auth/login').send({}).expect(200);
    const second = await request(gateway.app).post('/api/auth/login').send({}).expect(200);
    expect(second.headers['x-ratelimit-limit']).toBe('2');
    const third = await request(gateway.app).post('/api/auth/refresh').send({});
    expect(third.status).toBe(429);
    expect(third.body.details).toMatchObject({ limiter: 'auth', limit: 2 });
    await request(gateway.app).get('/api/products').expect(200);
  });
});

describe('limits across replicas', () => {
  it('are shared by two gateways using the same Redis', async () => {
    const env = { RATE_LIMIT_MAX: '4', RATE_LIMIT_KEY_PREFIX: `${uniqueName('shared')}:` };
    const first = await gatewayWith(env);
    const second = await gatewayWith(env);
    const statuses: number[] = [];
    for (const gateway of [first, second, first, second, second]) {
      statuses.push((await request(gateway.app).get('/api/products')).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });
});

describe('the client address', () => {
  it('comes from X-Forwarded-For when the connection comes from a trusted proxy address', async () => {
    // supertest connects from the loopback address: here that is the proxy.
    const gateway = await gatewayWith({ RATE_LIMIT_MAX: '2', TRUST_PROXY: 'loopback' });
    const from = (forwardedFor: string) =>
      request(gateway.app).get('/api/products').set('X-Forwarded-For', forwardedFor);
    expect((await from('203.0.113.7')).status).toBe(200);
    expect((await from('203.0.113.7')).status).toBe(200);
    expect((await from('203.0.113.7')).status).toBe(429);
    // Another client behind the same proxy has its own budget...
    expect((await from('203.0.113.8')).status).toBe(200);
    // ...and a client cannot escape by prepending addresses: the proxy appends the real one.
    expect((await from('198.51.100.1, 203.0.113.7')).status).toBe(429);
  });

  it('when the connection does not come from a configured proxy address, then X-Forwarded-For is ignored', async () => {
    const gateway = await gatewayWith({ RATE_LIMIT_MAX: '2', TRUST_PROXY: '192.0.2.1, 10.0.0.0/8' });
    const statuses: number[] = [];
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      statuses.push((await request(gateway.app).get('/api/products').set('X-Forwarded-For', ip)).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    const gateway = await gatewayWith({ RATE_LIMIT_MAX: '2' });
    const statuses: number[] = [];
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      statuses.push((await request(gateway.app).get('/api/products').set('X-Forwarded-For', ip)).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('when Redis is down', () => {
  let privateRedis: RunningServer | undefined;

  afterEach(async () => {
    await privateRedis?.stop();
  });

  it('lets requests through, logs the outage once and counts the failures', async () => {
    privateRedis = await startRedis();
    const { logger, lines } = capturingLogger();
    const gateway = await gatewayWith({ REDIS_URL: privateRedis.url, RATE_LIMIT_MAX: '1' }, { logger });
    await request(gateway.app).get('/api/products').expect(200);

    await privateRedis.stop();
    await expect.poll(() => gateway.redis.status).not.toBe('ready');
    for (let i = 0; i < 3; i += 1) {
      const res = await request(gateway.app).get('/api/products');
      expect(res.status).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }

    const outageLogs = lines.filter(
      (line) => line.msg === 'rate-limit store unavailable: letting requests through',
    );
    expect(outageLogs).toHaveLength(1);
    expect(outageLogs[0]).toMatchObject({ level: 50, limiter: 'general' });
    expect(await gateway.metricsText()).toMatch(
      /gateway_rate_limit_store_errors_total\{limiter="general"[^}]*\} 3/,
    );
    const health = await request(gateway.app).get('/health');
    expect(health.body.rateLimitStore).toBe('down');
  });
});
