/**
 * The README walkthrough against the real processes, through the public entry point (nginx when
 * installed, otherwise the gateway): accounts, catalog, orders, tokens, docs, plus the gateway's
 * own guarantees (bad tokens stop at the gateway, bodies arrive intact, 1 MB is refused).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, isErrorShape } from '../support/http';
import { ADMIN, buildAll, Stack } from '../support/stack';
import { badTokens } from '../support/tokens';

let stack: Stack;
let entry: string;

const customer = {
  email: `ada.${Date.now()}@example.com`,
  password: 'correct horse battery',
  name: 'Zoë Ågren-Łukasz 🚀',
};
const state: {
  token?: string;
  refreshToken?: string;
  userId?: string;
  adminToken?: string;
  productId?: string;
  orderId?: string;
} = {};

beforeAll(async () => {
  await buildAll();
  stack = await Stack.start();
  entry = stack.entry;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

describe('the README walkthrough', () => {
  it('starts healthy, with every service up', async () => {
    const res = await call(entry, 'GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body.services).toMatchObject({
      user: { status: 'up' },
      product: { status: 'up' },
      order: { status: 'up' },
    });
  });

  it('registers a customer, and the proxied body arrives byte for byte', async () => {
    const res = await call(entry, 'POST', '/api/auth/register', { body: customer });
    expect(res.status).toBe(201);
    // Non-ASCII text survives only if nobody re-encoded the body on the way.
    expect(res.body.user).toMatchObject({ email: customer.email, name: customer.name, role: 'customer' });
    expect(res.body.tokenType).toBe('Bearer');
  });

  it('logs the customer in and shows and updates the profile', async () => {
    const login = await call(entry, 'POST', '/api/auth/login', {
      body: { email: customer.email, password: customer.password },
    });
    expect(login.status).toBe(200);
    state.token = login.body.accessToken;
    state.refreshToken = login.body.refreshToken;
    state.userId = login.body.user.id;

    const profile = await call(entry, 'GET', '/api/auth/profile', { token: state.token });
    expect(profile.status).toBe(200);
    expect(profile.body.user).toMatchObject({ email: customer.email, name: customer.name });

    const renamed = await call(entry, 'PUT', '/api/auth/profile', {
      token: state.token,
      body: { name: 'Ada Lovelace' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.user.name).toBe('Ada Lovelace');
  });

  it('lets the admin create a category and a product; customers may not', async () => {
    const admin = await call(entry, 'POST', '/api/auth/login', { body: ADMIN });
    expect(admin.status).toBe(200);
    state.adminToken = admin.body.accessToken;

    const category = await call(entry, 'POST', '/api/categories', {
      token: state.adminToken,
      body: { name: 'Mugs', description: 'Things to drink from' },
    });
    expect(category.status).toBe(201);

    const product = {
      name: 'Blue mug',
      description: 'Holds coffee',
      price: 12.5,
      category: 'Mugs',
      stock: 10,
    };
    const refused = await call(entry, 'POST', '/api/products', { token: state.token, body: product });
    expect(refused.status).toBe(403);
    expect(isErrorShape(refused.body, 403)).toBe(true);

    const created = await call(entry, 'POST', '/api/products', { token: state.adminToken, body: product });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Blue mug', price: 12.5, stock: 10 });
    state.productId = created.body.id;
  });

  it('shows the catalog to anyone', async () => {
    const list = await call(entry, 'GET', '/api/products?category=Mugs');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).toContain(state.productId);
    const one = await call(entry, 'GET', `/api/products/${state.productId}`);
    expect(one.status).toBe(200);
    expect(one.body.name).toBe('Blue mug');
    const categories = await call(entry, 'GET', '/api/categories');
    expect(categories.status).toBe(200);
    expect(JSON.stringify(categories.body)).toContain('Mugs');
  });

  it('places an order and lists it', async () => {
    const placed = await call(entry, 'POST', '/api/orders', {
      token: state.token,
      body: { items: [{ productId: state.productId, quantity: 2 }] },
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ userId: state.userId, totalAmount: 25, status: 'pending' });
    state.orderId = placed.body.id;

    const list = await call(entry, 'GET', '/api/orders', { token: state.token });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).toContain(state.orderId);
    const one = await call(entry, 'GET', `/api/orders/${state.orderId}`, { token: state.token });
    expect(one.status).toBe(200);
    const items = await call(entry, 'GET', `/api/orders/${state.orderId}/items`, { token: state.token });
    expect(items.status).toBe(200);
    expect(JSON.stringify(items.body)).toContain('Blue mug');

    // Anonymous catalog reads through nginx may come from its edge cache, less than 1 s old.
    const stock = async () => (await call(entry, 'GET', `/api/products/${state.productId}`)).body.stock;
    await expect.poll(stock, { timeout: 2_000, interval: 250 }).toBe(8);
  });

  it('lets the customer cancel the pending order', async () => {
    const cancelled = await call(entry, 'PUT', `/api/orders/${state.orderId}/status`, {
      token: state.token,
      body: { status: 'cancelled' },
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
  });

  it('rotates the refresh token and logs out', async () => {
    const refreshed = await call(entry, 'POST', '/api/auth/refresh', {
      body: { refreshToken: state.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    const logout = await call(entry, 'POST', '/api/auth/logout', {
      body: { refreshToken: refreshed.body.refreshToken },
    });
    expect(logout.status).toBe(204);
    const reused = await call(entry, 'POST', '/api/auth/refresh', {
      body: { refreshToken: refreshed.body.refreshToken },
    });
    expect(reused.status).toBe(401);
  });
});

describe('tokens the gateway refuses', () => {
  const protectedCalls: Array<[method: string, path: () => string]> = [
    ['GET', () => '/api/orders'],
    ['GET', () => '/api/auth/profile'],
    ['POST', () => '/api/products'],
    ['DELETE', () => `/api/products/${state.productId}`],
  ];

  it('answer 401 for bad, expired, forged and alg:none tokens without reaching any service', async () => {
    const tokens = badTokens(
      { sub: state.userId!, email: customer.email, role: 'customer' },
      { ...stack.signingKeys.signing, publicKey: stack.signingKeys.signing.key },
    );
    const refusedIds: string[] = [];
    for (const [label, token] of Object.entries(tokens)) {
      for (const [method, path] of protectedCalls) {
        const requestId = `e2e-bad-token-${label.replace(/\W+/g, '-')}-${method}-${Math.random().toString(36).slice(2)}`;
        refusedIds.push(requestId);
        const res = await call(entry, method, path(), {
          token,
          headers: { 'x-request-id': requestId },
          body: method === 'POST' ? {} : undefined,
        });
        expect(res.status, `${label} ${method} ${path()}`).toBe(401);
        expect(isErrorShape(res.body, 401)).toBe(true);
        expect(res.body.requestId).toBe(requestId);
      }
    }
    // Control requests that do reach each service: once their access-log lines are in, any line
    // about the refused requests (sent earlier) would be too.
    const controls: Array<[service: string, path: string, token?: string]> = [
      ['user', '/api/auth/profile', state.token],
      // With a token, so nginx's edge cache cannot answer it instead of product-service.
      ['product', `/api/products/${state.productId}`, state.token],
      ['order', '/api/orders', state.token],
    ];
    for (const [service, path, token] of controls) {
      const requestId = `e2e-control-${service}-${Date.now()}`;
      expect((await call(entry, 'GET', path, { token, headers: { 'x-request-id': requestId } })).status).toBe(
        200,
      );
      await expect.poll(() => stack.process(service).mentions(requestId)).toBe(true);
    }
    for (const requestId of refusedIds) {
      const reached = stack
        .mentioning(requestId)
        .filter((name) => ['user', 'product', 'order'].includes(name));
      expect(reached, `${requestId} reached a service`).toEqual([]);
    }
    // The product is untouched.
    expect((await call(entry, 'GET', `/api/products/${state.productId}`)).status).toBe(200);
  });
});

describe('request bodies', () => {
  it('of 1 MB are refused with 413 in the common JSON shape', async () => {
    const padding = 'x'.repeat(1024 * 1024 - 40);
    const body = JSON.stringify({ email: 'big@example.com', password: padding });
    expect(Buffer.byteLength(body)).toBeGreaterThanOrEqual(1024 * 1024 - 20);
    const res = await call(entry, 'POST', '/api/auth/register', { body });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ status: 413, error: 'Request body too large' });
  });
});

describe('the API documentation', () => {
  const PUBLIC_ROUTES = [
    'post /api/auth/register',
    'post /api/auth/login',
    'post /api/auth/refresh',
    'post /api/auth/logout',
    'get /api/auth/profile',
    'put /api/auth/profile',
    'get /api/products',
    'post /api/products',
    'get /api/products/{id}',
    'put /api/products/{id}',
    'delete /api/products/{id}',
    'get /api/categories',
    'post /api/categories',
    'get /api/categories/{id}',
    'get /api/orders',
    'post /api/orders',
    'get /api/orders/{id}',
    'get /api/orders/{id}/items',
    'put /api/orders/{id}/status',
    'get /health',
    'get /api/openapi.json',
    'get /api/docs',
  ];

  const documented = async (): Promise<{ doc: Record<string, any>; routes: string[] }> => {
    const res = await call(entry, 'GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    const routes = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, item]) =>
        Object.keys(item)
          .filter((key) => ['get', 'post', 'put', 'patch', 'delete'].includes(key))
          .map((method) => `${method} ${path}`),
    );
    return { doc: res.body, routes };
  };

  it('documents every public route of every service, merged under /api', async () => {
    const { doc, routes } = await documented();
    expect(doc['x-unavailable']).toEqual([]);
    for (const route of PUBLIC_ROUTES) expect(routes, route).toContain(route);
    expect(routes.filter((route) => route.includes('inventory'))).toEqual([]);
  });

  it('documents only routes that exist: each reaches a handler, not the 404 for unknown routes', async () => {
    const { routes } = await documented();
    const unknownId = '64b000000000000000000009';
    for (const route of routes) {
      const [method, path] = route.split(' ') as [string, string];
      const concrete = path.replace(/\{[^}]+\}/g, unknownId);
      const res = await call(entry, method.toUpperCase(), concrete, {
        token: state.adminToken,
        body: ['post', 'put', 'patch'].includes(method) ? {} : undefined,
      });
      const unknownRoute = res.status === 404 && /^Route /.test(String(res.body?.error));
      expect(unknownRoute || res.status === 405, `${route} → ${res.status} ${res.text.slice(0, 120)}`).toBe(
        false,
      );
    }
  });

  it('serves Swagger UI', async () => {
    const page = await call(entry, 'GET', '/api/docs/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger-ui');
  });
});
