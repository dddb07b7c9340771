import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplicaPool } from '../src/proxy/replica-pool';
import { createReplicaTargets } from '../src/proxy/replica-targets';
import { createTestGateway, type TestGateway } from './support/gateway';
import { StubUpstream } from './support/stub-upstream';

describe('ReplicaTargets', () => {
  it('when a name resolves to three addresses, then requests go to each in turn', async () => {
    const pool = createReplicaPool('user', ['http://svc:3001/base'], {
      refreshMs: 5_000,
      lookup: async () => ['10.0.0.3', '10.0.0.1', '10.0.0.2'],
      isReady: async () => true,
      probeEveryMs: 1_000,
    });
    const picked = [];
    for (let i = 0; i < 6; i++) picked.push(await pool.next());
    expect(picked).toEqual([
      'http://10.0.0.1:3001',
      'http://10.0.0.2:3001',
      'http://10.0.0.3:3001',
      'http://10.0.0.1:3001',
      'http://10.0.0.2:3001',
      'http://10.0.0.3:3001',
    ]);
  });

  it('when replicas are added, then they get requests once the list is refreshed', async () => {
    let now = 0;
    let answer = ['10.0.0.1'];
    const targets = createReplicaTargets(
      'http://svc:3001',
      5_000,
      async () => answer,
      () => now,
    );
    expect(await targets.origins()).toEqual(['http://10.0.0.1:3001']);
    answer = ['10.0.0.1', '10.0.0.2'];
    now = 5_000;
    await targets.origins(); // starts the background refresh
    await new Promise((resolve) => setImmediate(resolve));
    expect(await targets.origins()).toEqual(['http://10.0.0.1:3001', 'http://10.0.0.2:3001']);
  });

  it('when a refresh fails, then the last known replicas keep serving', async () => {
    let now = 0;
    let fail = false;
    const targets = createReplicaTargets(
      'http://svc:3001',
      1_000,
      async () => {
        if (fail) throw new Error('ENOTFOUND');
        return ['10.0.0.1'];
      },
      () => now,
    );
    expect(await targets.origins()).toEqual(['http://10.0.0.1:3001']);
    fail = true;
    now = 2_000;
    expect(await targets.origins()).toEqual(['http://10.0.0.1:3001']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await targets.origins()).toEqual(['http://10.0.0.1:3001']);
  });

  it('when the URL holds an address or the name does not resolve, then it is used as it is', async () => {
    const byAddress = createReplicaTargets('http://127.0.0.1:3002', 5_000, async () => {
      throw new Error('must not resolve an address');
    });
    expect(await byAddress.origins()).toEqual(['http://127.0.0.1:3002']);
    const unknown = createReplicaTargets('http://nowhere:3002', 5_000, async () => {
      throw new Error('ENOTFOUND');
    });
    expect(await unknown.origins()).toEqual(['http://nowhere:3002']);
  });
});

describe('a service with several replicas behind one name', () => {
  const replicas: StubUpstream[] = [];
  let gateway: TestGateway;

  beforeAll(async () => {
    // Two replicas on the same port, as Docker gives them: 127.0.0.1 and 127.0.0.2.
    const first = await StubUpstream.start(0, '127.0.0.1');
    replicas.push(first, await StubUpstream.start(first.port, '127.0.0.2'));
    gateway = await createTestGateway(
      {
        PRODUCT_SERVICE_URL: `http://products.internal:${first.port}`,
        USER_SERVICE_URL: first.url,
        ORDER_SERVICE_URL: first.url,
      },
      { lookup: async (name) => (name === 'products.internal' ? ['127.0.0.1', '127.0.0.2'] : []) },
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all(replicas.map((replica) => replica.stop()));
  });

  it('when requests arrive one after another over keep-alive, then every replica serves some', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await request(gateway.app).get('/api/products');
      expect(res.status).toBe(200);
    }
    const served = replicas.map((replica) => replica.receivedUnder('/products').length);
    expect(served).toEqual([5, 5]);
  });
});
