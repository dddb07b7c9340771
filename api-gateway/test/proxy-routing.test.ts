import request from 'supertest';
import { describe, expect, it } from 'vitest';
import http from 'node:http';
import { createTestGateway, listenOnFreePort, stubbedGateways } from './support/gateway';
import { json } from './support/stub-upstream';
import { admin, bearer, validToken } from './support/tokens';

/** Sends a body in several writes without Content-Length, so it goes out chunked. */
function postChunked(url: string, chunks: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'Content-Type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const suite = stubbedGateways({ sharedGateway: true });

describe('routing to the upstreams', () => {
  it('sends /api/auth/* to the user service as /auth/*', async () => {
    const res = await request(suite.gateway.app)
      .post('/api/auth/login')
      .send({ email: 'a@b.c', password: 'x' });
    expect(res.status).toBe(200);
    expect(suite.stubs.user.apiRequests.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /auth/login']);
  });

  it('sends catalog reads to the product service with the query string intact', async () => {
    await request(suite.gateway.app).get('/api/products?page=2&limit=5').expect(200);
    await request(suite.gateway.app).get('/api/products/64b000000000000000000009').expect(200);
    await request(suite.gateway.app).get('/api/categories').expect(200);
    expect(suite.stubs.product.apiRequests.map((r) => r.url)).toEqual([
      '/products?page=2&limit=5',
      '/products/64b000000000000000000009',
      '/categories',
    ]);
  });

  it('sends /api/orders* to the order service', async () => {
    const auth = bearer(validToken());
    await request(suite.gateway.app).get('/api/orders').set('Authorization', auth).expect(200);
    await request(suite.gateway.app)
      .patch('/api/orders/abc/status')
      .set('Authorization', auth)
      .send({})
      .expect(200);
    expect(suite.stubs.order.apiRequests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /orders',
      'PATCH /orders/abc/status',
    ]);
  });

  it('passes the upstream status, headers and body back unchanged', async () => {
    suite.stubs.product.on('/products/missing', (_req, res) => {
      res.setHeader('X-Cache', 'MISS');
      json(res, 404, { error: 'Product not found', status: 404 });
    });
    const res = await request(suite.gateway.app).get('/api/products/missing');
    expect(res.status).toBe(404);
    expect(res.headers['x-cache']).toBe('MISS');
    expect(res.body).toEqual({ error: 'Product not found', status: 404 });
  });

  it('answers unknown /api paths itself with the JSON 404 shape', async () => {
    const res = await request(suite.gateway.app).get('/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: 404, error: expect.stringContaining('not found') });
    expect(res.body.requestId).toEqual(expect.any(String));
  });
});

describe('internal endpoints', () => {
  it.each([
    '/api/inventory/64b000000000000000000009',
    '/inventory/64b000000000000000000009',
    '/api/products/../inventory/1',
    '/api/products/%2e%2e/inventory/1',
    '/api/products/..%2finventory',
    '/api/products%2f..%2finventory',
  ])('are never reachable: %s', async (path) => {
    const res = await request(suite.gateway.app).get(path);
    expect([400, 404]).toContain(res.status);
    expect(res.body.status).toBe(res.status);
    expect(suite.stubs.product.apiRequests).toEqual([]);
  });

  it('do not include the services’ /metrics', async () => {
    const res = await request(suite.gateway.app).get('/api/metrics');
    expect(res.status).toBe(404);
    const own = await request(suite.gateway.app).get('/metrics');
    expect(own.text).toContain('gateway_upstream_requests_total');
    expect(
      suite.stubs.user.received.concat(suite.stubs.product.received, suite.stubs.order.received),
    ).toEqual([]);
  });
});

describe('request bodies and headers', () => {
  it('deliver a proxied JSON POST body byte for byte', async () => {
    // Odd spacing and key order would be lost by a parse-and-reserialise round trip.
    const body = '{ "name":"Mug",  "price": 12.50, "tags":["a","ü"], "nested": {"z":1,"a":2} }';
    const res = await request(suite.gateway.app)
      .post('/api/products')
      .set('Authorization', bearer(validToken(admin)))
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(body);
    expect(res.status).toBe(200);
    const [received] = suite.stubs.product.apiRequests;
    expect(received?.body.toString('utf8')).toBe(body);
    expect(received?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(received?.headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });

  // Read whole first (so a replica refusing the connection can be replaced), then sent with its length.
  it('pass a chunked body on unchanged, framed by its length', async () => {
    const { server, url } = await listenOnFreePort(suite.gateway.app);
    try {
      const chunks = ['{"note":"', 'x'.repeat(20_000), '","end":true}'];
      const status = await postChunked(`${url}/api/auth/register`, chunks);
      expect(status).toBe(200);
      const [received] = suite.stubs.user.apiRequests;
      expect(received?.headers['transfer-encoding']).toBeUndefined();
      expect(received?.headers['content-length']).toBe(String(Buffer.byteLength(chunks.join(''))));
      expect(received?.body.toString()).toBe(chunks.join(''));
    } finally {
      server.close();
    }
  });

  it('refuse a body declared larger than BODY_LIMIT with 413, without reaching the upstream', async () => {
    const res = await request(suite.gateway.app)
      .post('/api/auth/register')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ blob: 'x'.repeat(1024 * 1024) }));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ status: 413, error: 'Request body too large' });
    expect(suite.stubs.user.apiRequests).toEqual([]);
  });

  it('forward the Authorization header and the request id', async () => {
    const token = validToken();
    const res = await request(suite.gateway.app)
      .get('/api/orders')
      .set('Authorization', bearer(token))
      .set('X-Request-Id', 'trace-me-123');
    expect(res.headers['x-request-id']).toBe('trace-me-123');
    const [received] = suite.stubs.order.apiRequests;
    expect(received?.headers.authorization).toBe(bearer(token));
    expect(received?.headers['x-request-id']).toBe('trace-me-123');
    expect(received?.headers['x-forwarded-for']).toEqual(expect.any(String));
  });

  it('give the upstream a generated request id when the client sent none', async () => {
    const res = await request(suite.gateway.app).get('/api/categories');
    expect(suite.stubs.product.apiRequests[0]?.headers['x-request-id']).toBe(res.headers['x-request-id']);
  });

  it('never pass a client-supplied internal service token upstream', async () => {
    await request(suite.gateway.app).get('/api/products').set('X-Internal-Token', 'guess').expect(200);
    expect(suite.stubs.product.apiRequests[0]?.headers['x-internal-token']).toBeUndefined();
  });

  // order-service caps the units pending orders hold per client address by this header.
  it('replace a client-supplied X-Client-Address with the address the gateway saw', async () => {
    await request(suite.gateway.app)
      .get('/api/orders')
      .set('Authorization', bearer(validToken()))
      .set('X-Client-Address', '203.0.113.7')
      .expect(200);
    const received = suite.stubs.order.apiRequests[0]?.headers['x-client-address'];
    expect(received).toBe('127.0.0.1');
  });
});

describe('CORS', () => {
  it('is decided by the gateway even when an upstream sends its own headers', async () => {
    const restricted = await createTestGateway({ ...suite.stubs.env, CORS_ORIGINS: 'https://shop.example' });
    try {
      suite.stubs.product.on('/products', (_req, res) => {
        res.setHeader('Access-Control-Allow-Origin', '*');
        json(res, 200, []);
      });
      const allowed = await request(restricted.app)
        .get('/api/products')
        .set('Origin', 'https://shop.example');
      expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');
      const foreign = await request(restricted.app)
        .get('/api/products')
        .set('Origin', 'https://evil.example');
      expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await restricted.close();
    }
  });

  it('answers preflight requests itself', async () => {
    const res = await request(suite.gateway.app)
      .options('/api/orders')
      .set('Origin', 'https://shop.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(res.status).toBe(204);
    expect(suite.stubs.order.received).toEqual([]);
  });
});
