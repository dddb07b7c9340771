import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestGateway, deadUrl, type TestGateway } from './support/gateway';
import { json, StubUpstream } from './support/stub-upstream';
import { bearer, validToken } from './support/tokens';

/** Two stub replicas of user-service listed in USER_SERVICE_URL, the other services one each. */
let first: StubUpstream;
let second: StubUpstream;
let other: StubUpstream;
const gateways: TestGateway[] = [];

async function gatewayOverReplicas(env: Record<string, string> = {}): Promise<TestGateway> {
  const gateway = await createTestGateway({
    USER_SERVICE_URL: `${first.url},${second.url}`,
    PRODUCT_SERVICE_URL: other.url,
    ORDER_SERVICE_URL: other.url,
    UPSTREAM_PROBE_MS: '50',
    UPSTREAM_RETRY_BACKOFF_MS: '1',
    ...env,
  });
  gateways.push(gateway);
  return gateway;
}

const profile = (gateway: TestGateway) =>
  request(gateway.app).get('/api/auth/profile').set('Authorization', bearer(validToken()));
const apiCount = (stub: StubUpstream) => stub.apiRequests.length;

beforeEach(async () => {
  [first, second, other] = await Promise.all([
    StubUpstream.start(),
    StubUpstream.start(),
    StubUpstream.start(),
  ]);
});

afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
  await Promise.all([first.stop(), second.stop(), other.stop()]);
});

describe('a service listed with two replicas', () => {
  it('when both are up, then requests alternate between them', async () => {
    const gateway = await gatewayOverReplicas();
    for (let i = 0; i < 6; i++) await profile(gateway).expect(200);
    expect([apiCount(first), apiCount(second)]).toEqual([3, 3]);
  });

  it('when one refuses connections, then every request (a login too) is answered by the other, and the dead one is tried no more', async () => {
    // No probe: the requests alone must find out.
    const gateway = await gatewayOverReplicas({ CIRCUIT_VOLUME_THRESHOLD: '1', UPSTREAM_PROBE_MS: '60000' });
    await first.stop();

    for (let i = 0; i < 4; i++) await profile(gateway).expect(200);
    const login = await request(gateway.app).post('/api/auth/login').send({ email: 'a@b.c', password: 'x' });

    expect(login.status).toBe(200);
    expect(apiCount(second)).toBe(5);
    expect(gateway.upstreams.get('user').circuit.state).toBe('closed');
    // Only the first request found the dead one; the rest went straight to the live one.
    expect(await gateway.metricsText()).toMatch(
      /gateway_upstream_requests_total\{upstream="user",outcome="retried"[^}]*\} 1\n/,
    );
    expect(await gateway.metricsText()).toMatch(
      /gateway_upstream_replicas\{upstream="user",state="set_aside"[^}]*\} 1\n/,
    );
  });

  it('when one drops a read mid-exchange, then the read is answered by the other', async () => {
    const gateway = await gatewayOverReplicas();
    first.on('/auth/profile', (_req, res) => void res.socket?.destroy());
    second.on('/auth/profile', (_req, res) => json(res, 200, { from: 'second' }));

    for (let i = 0; i < 3; i++) expect((await profile(gateway).expect(200)).body).toEqual({ from: 'second' });
  });

  it('when one answers Connection: close (draining), then it gets no more requests until its /ready answers 200 again', async () => {
    const gateway = await gatewayOverReplicas({ UPSTREAM_PROBE_MS: '60000' });
    first.on('/auth/profile', (_req, res) => {
      res.setHeader('Connection', 'close');
      json(res, 200, { from: 'first' });
    });

    for (let i = 0; i < 5; i++) await profile(gateway).expect(200);

    expect(apiCount(first)).toBe(1);
    expect(apiCount(second)).toBe(4);
  });

  it('when one’s /ready turns 503 (shutting down), then the probe takes it out of the rotation, and back in on 200', async () => {
    const gateway = await gatewayOverReplicas();
    first.on('/ready', (_req, res) => json(res, 503, { status: 'shutting_down' }));
    await sleep(200);

    for (let i = 0; i < 4; i++) await profile(gateway).expect(200);
    expect([apiCount(first), apiCount(second)]).toEqual([0, 4]);

    first.on('/ready', (_req, res) => json(res, 200, { status: 'ready' }));
    await sleep(200);
    for (let i = 0; i < 4; i++) await profile(gateway).expect(200);
    expect(apiCount(first)).toBe(2);
  });

  it('when neither is ready, then requests still go to them (readiness is a preference, never a refusal)', async () => {
    const gateway = await gatewayOverReplicas();
    for (const stub of [first, second]) stub.on('/ready', (_req, res) => json(res, 503, {}));
    await sleep(200);

    for (let i = 0; i < 4; i++) await profile(gateway).expect(200);
    expect(apiCount(first) + apiCount(second)).toBe(4);
  });

  it('when both refuse, then the request fails with 503 after each was tried and the pause', async () => {
    const gateway = await gatewayOverReplicas();
    await Promise.all([first.stop(), second.stop()]);

    const res = await profile(gateway);

    expect(res.status).toBe(503);
    expect(res.body.details).toEqual({ service: 'user', reason: 'unreachable' });
  });

  it('when a request is retried over and over, then each attempt stops listening once it ends', async () => {
    const gateway = await gatewayOverReplicas();
    await Promise.all([first.stop(), second.stop()]);
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      await profile(gateway).expect(503);
      // Node reports a listener leak on a later tick.
      await sleep(50);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning');
  });
});

describe('GET /health with a service of two replicas', () => {
  it('when one replica is down and the other ready, then the service is up and both are listed', async () => {
    const gateway = await gatewayOverReplicas({ USER_SERVICE_URL: `${await deadUrl()},${second.url}` });

    const res = await request(gateway.app).get('/health').expect(200);

    expect(res.body.status).toBe('ok');
    expect(res.body.services.user).toMatchObject({ status: 'up', httpStatus: 200 });
    expect(res.body.services.user.replicas).toEqual([
      expect.objectContaining({ status: 'down', error: 'ECONNREFUSED' }),
      expect.objectContaining({ url: second.url, status: 'up', httpStatus: 200 }),
    ]);
  });

  it('when no replica is ready, then the service is down and /health degraded', async () => {
    const gateway = await gatewayOverReplicas();
    for (const stub of [first, second]) stub.on('/ready', (_req, res) => json(res, 503, {}));

    const res = await request(gateway.app).get('/health');

    expect(res.status).toBe(503);
    expect(res.body.services.user).toMatchObject({ status: 'down', httpStatus: 503 });
  });
});
