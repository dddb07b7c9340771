import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { stubbedGateways } from './support/gateway';
import { admin, attackTokens, bearer, customer, expiredToken, validToken } from './support/tokens';

const suite = stubbedGateways({ sharedGateway: true });

const upstreamCalls = () => [
  ...suite.stubs.user.apiRequests,
  ...suite.stubs.product.apiRequests,
  ...suite.stubs.order.apiRequests,
];

const protectedRoutes: Array<[method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string]> = [
  ['get', '/api/orders'],
  ['post', '/api/orders'],
  ['get', '/api/orders/64b000000000000000000003'],
  ['post', '/api/orders/64b000000000000000000003/items'],
  ['patch', '/api/orders/64b000000000000000000003/status'],
  ['get', '/api/auth/profile'],
  ['put', '/api/auth/profile'],
  // Anything under /auth that is not explicitly public needs a token.
  ['get', '/api/auth/sessions'],
  ['post', '/api/products'],
  ['put', '/api/products/64b000000000000000000009'],
  ['delete', '/api/categories/64b000000000000000000009'],
  // Express matches routes case-insensitively; the access check must too.
  ['get', '/API/Orders'],
  ['get', '/api/auth/Profile/'],
];

describe('protected routes', () => {
  const badTokens: Array<[label: string, header: () => string | undefined]> = [
    ['no token', () => undefined],
    ['a malformed token', () => bearer('not-a-jwt')],
    ...Object.entries(attackTokens()).map(([attack, token]): [string, () => string] => [
      `a token: ${attack}`,
      () => bearer(token),
    ]),
    ['a non-bearer scheme', () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['a valid token followed by junk', () => `${bearer(validToken())} junk`],
    ['a valid token after two schemes', () => `Bearer Bearer ${validToken()}`],
  ];

  describe.each(badTokens)('with %s', (_label, header) => {
    it.each(protectedRoutes)('answer %s %s with 401 without reaching an upstream', async (method, path) => {
      const req = request(suite.gateway.app)[method](path);
      const value = header();
      if (value) req.set('Authorization', value);
      const res = await req;
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toMatchObject({
        status: 401,
        error: expect.any(String),
        requestId: expect.any(String),
      });
      expect(upstreamCalls()).toEqual([]);
    });
  });

  it('say why an expired token was refused', async () => {
    const res = await request(suite.gateway.app)
      .get('/api/orders')
      .set('Authorization', bearer(expiredToken()));
    expect(res.body.error).toBe('Access token expired');
  });

  it('let a valid customer token through to orders and the profile', async () => {
    const auth = bearer(validToken(customer));
    await request(suite.gateway.app).get('/api/orders').set('Authorization', auth).expect(200);
    await request(suite.gateway.app)
      .put('/api/auth/profile')
      .set('Authorization', auth)
      .send({ name: 'A' })
      .expect(200);
    expect(upstreamCalls()).toHaveLength(2);
  });
});

describe('catalog writes', () => {
  it('are refused with 403 for a customer, before the product service is asked', async () => {
    const res = await request(suite.gateway.app)
      .post('/api/products')
      .set('Authorization', bearer(validToken(customer)))
      .send({ name: 'Mug' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ status: 403, error: 'Admin role required' });
    expect(upstreamCalls()).toEqual([]);
  });

  it('reach the product service with an admin token', async () => {
    const auth = bearer(validToken(admin));
    await request(suite.gateway.app)
      .post('/api/categories')
      .set('Authorization', auth)
      .send({ name: 'Cups' })
      .expect(200);
    await request(suite.gateway.app)
      .delete('/api/products/64b000000000000000000009')
      .set('Authorization', auth)
      .expect(200);
    expect(suite.stubs.product.apiRequests.map((r) => r.method)).toEqual(['POST', 'DELETE']);
  });
});

describe('public routes', () => {
  it.each([
    ['post', '/api/auth/register'],
    ['post', '/api/auth/login'],
    ['post', '/api/auth/refresh'],
    // Logout revokes the refresh token in its body; it works with an expired access token.
    ['post', '/api/auth/logout'],
    ['get', '/api/products'],
    ['get', '/api/products/64b000000000000000000009'],
    ['get', '/api/categories'],
    ['head', '/api/categories/64b000000000000000000009'],
  ] as const)('%s %s needs no token', async (method, path) => {
    const res = await request(suite.gateway.app)[method](path);
    expect(res.status).toBe(200);
    expect(upstreamCalls()).toHaveLength(1);
  });

  it('are not blocked by a stale token the client still sends', async () => {
    await request(suite.gateway.app)
      .get('/api/products')
      .set('Authorization', bearer(expiredToken()))
      .expect(200);
  });

  it.each(['/health', '/ready', '/api/openapi.json', '/api/docs/'])('%s needs no token', async (path) => {
    const res = await request(suite.gateway.app).get(path);
    expect(res.status).not.toBe(401);
  });
});
