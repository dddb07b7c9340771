import { startAndStop } from '@ecom/test-support';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { gatewayHealthSchema } from '../src/health/health-schema';
import { deadUrl, stubbedGateways } from './support/gateway';
import { json } from './support/stub-upstream';

const suite = stubbedGateways();
const { gatewayWith } = suite;

afterEach(() => {
  for (const stub of [suite.stubs.user, suite.stubs.product, suite.stubs.order])
    stub.on('/ready', (_req, res) => json(res, 200, {}));
});

describe('GET /health', () => {
  it('answers 200 with every upstream up when all are ready', async () => {
    const gateway = await gatewayWith();
    const res = await request(gateway.app).get('/health').expect(200);
    const body = gatewayHealthSchema.parse(res.body);
    expect(body.status).toBe('ok');
    expect(body.rateLimitStore).toBe('up');
    for (const service of Object.values(body.services)) {
      expect(service).toMatchObject({ status: 'up', circuit: 'closed', httpStatus: 200 });
    }
    expect(suite.stubs.product.receivedUnder('/ready').length).toBeGreaterThan(0);
  });

  it('answers 503 naming the upstream whose /ready fails', async () => {
    const gateway = await gatewayWith();
    suite.stubs.product.on('/ready', (_req, res) => json(res, 503, { status: 'not_ready' }));
    const res = await request(gateway.app).get('/health');
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('degraded');
    expect(res.body.services.product).toMatchObject({ status: 'down', httpStatus: 503 });
    expect(res.body.services.user.status).toBe('up');
    expect(res.body.services.order.status).toBe('up');
  });

  it('reports an unreachable upstream as down with the reason', async () => {
    const gateway = await gatewayWith({ ORDER_SERVICE_URL: await deadUrl() });
    const res = await request(gateway.app).get('/health');
    expect(res.status).toBe(503);
    expect(res.body.services.order).toMatchObject({ status: 'down', error: 'ECONNREFUSED' });
  });

  it('gives up on a hanging upstream after the health-check timeout', async () => {
    const gateway = await gatewayWith({ HEALTH_CHECK_TIMEOUT_MS: '200' });
    suite.stubs.user.on('/ready', (_req, res) => {
      setTimeout(() => json(res, 200, {}), 3000).unref();
    });
    const started = performance.now();
    const res = await request(gateway.app).get('/health');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(503);
    expect(res.body.services.user.status).toBe('down');
  });
});

describe('GET /health under load', () => {
  const readyProbes = () =>
    [suite.stubs.user, suite.stubs.product, suite.stubs.order].map(
      (stub) => stub.receivedUnder('/ready').length,
    );

  it('when 100 calls arrive at once, then each upstream is probed once, not 100 times', async () => {
    const gateway = await gatewayWith({ HEALTH_CACHE_MS: '60000' });
    const before = readyProbes();
    const answers = await Promise.all(Array.from({ length: 100 }, () => request(gateway.app).get('/health')));
    expect(answers.map((answer) => answer.status)).toEqual(Array(100).fill(200));
    const probes = readyProbes().map((count, index) => count - before[index]!);
    expect(probes).toEqual([1, 1, 1]);
  });

  it('probes again once its view is older than HEALTH_CACHE_MS', async () => {
    const gateway = await gatewayWith({ HEALTH_CACHE_MS: '100' });
    await request(gateway.app).get('/health').expect(200);
    suite.stubs.product.on('/ready', (_req, res) => json(res, 503, { status: 'not_ready' }));
    // Within the cache time the view stands; after it, the failing upstream shows.
    await request(gateway.app).get('/health').expect(200);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const res = await request(gateway.app).get('/health').expect(503);
    expect(res.body.services.product).toMatchObject({ status: 'down', httpStatus: 503 });
  });

  it('when a circuit changes state, then the next call probes again instead of answering from its view', async () => {
    const gateway = await gatewayWith({
      HEALTH_CACHE_MS: '60000',
      CIRCUIT_VOLUME_THRESHOLD: '2',
      CIRCUIT_ERROR_THRESHOLD_PERCENT: '50',
      CIRCUIT_RECOVERY_PROBE_MS: '60000',
    });
    await request(gateway.app).get('/health').expect(200);
    suite.stubs.product.on('/ready', (_req, res) => json(res, 503, { status: 'not_ready' }));
    const broken = '/products/64b0000000000000000000ff';
    suite.stubs.product.on(broken, (_req, res) => void res.destroy());
    for (let i = 0; i < 2; i += 1) await request(gateway.app).get(`/api${broken}`);
    expect(gateway.upstreams.get('product').circuit.state).toBe('open');
    const before = suite.stubs.product.receivedUnder('/ready').length;

    const res = await request(gateway.app).get('/health').expect(503);
    expect(res.body.services.product).toMatchObject({ status: 'down', circuit: 'open', httpStatus: 503 });
    expect(suite.stubs.product.receivedUnder('/ready').length).toBe(before + 1);
  });
});

describe('GET /ready', () => {
  it('stays 200 when an upstream is down, so load balancers keep the gateway', async () => {
    const gateway = await gatewayWith({ PRODUCT_SERVICE_URL: await deadUrl() });
    const res = await request(gateway.app).get('/ready').expect(200);
    expect(res.body.status).toBe('ready');
  });
});

describe('GET /metrics', () => {
  it('labels proxied requests by their route pattern, not by the raw URL', async () => {
    const gateway = await gatewayWith();
    await request(gateway.app).get('/api/products/64b000000000000000000001').expect(200);
    await request(gateway.app).get('/api/orders/64b000000000000000000001').expect(401);
    const text = (await request(gateway.app).get('/metrics').expect(200)).text;
    expect(text).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="\/api\/products\{\/\*path\}"[^}]*status_code="200"/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="\/api\/orders\{\/\*path\}"[^}]*status_code="401"/,
    );
    expect(text).not.toContain('64b000000000000000000001');
    expect(text).toContain('gateway_circuit_state');
  });
});

describe('the composition root', () => {
  it('when started, then it listens and is ready; when stopped, then its port refuses connections', async () => {
    const gateway = await gatewayWith();
    expect(await startAndStop(gateway)).toEqual({ readyStatus: 200, refusedAfterStop: true });
  });
});
