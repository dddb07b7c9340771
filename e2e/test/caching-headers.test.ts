/**
 * Caching headers end to end: catalog reads revalidate to 304 through nginx and through the
 * gateway, change their ETag when an admin edits or an order takes stock, and answers that belong
 * to one user are never kept by a shared cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http';
import { ADMIN, buildAll, Stack } from '../support/stack';

let stack: Stack;
let entries: Array<[name: string, url: string]>;
let adminToken: string;
let productPath: string;
const categoryName = `Cache-${Date.now()}`;

const PUBLIC = 'public, max-age=0, must-revalidate';
const PRIVATE = 'private, no-store';

beforeAll(async () => {
  await buildAll();
  stack = await Stack.start();
  entries = [['gateway', stack.gatewayUrls[0]!]];
  if (stack.nginxUrl) entries.push(['nginx', stack.nginxUrl]);
  adminToken = (await call(stack.entry, 'POST', '/api/auth/login', { body: ADMIN })).body.accessToken;
  await call(stack.entry, 'POST', '/api/categories', { token: adminToken, body: { name: categoryName } });
  const product = await call(stack.entry, 'POST', '/api/products', {
    token: adminToken,
    body: { name: 'Cached mug', price: 5, category: categoryName, stock: 10 },
  });
  expect(product.status).toBe(201);
  productPath = `/api/products/${product.body.id}`;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

async function customer(label: string): Promise<string> {
  const email = `${label}.${Date.now()}.${Math.random().toString(36).slice(2)}@example.com`;
  const res = await call(stack.entry, 'POST', '/api/auth/register', {
    body: { email, password: 'correct horse battery', name: label },
  });
  expect(res.status).toBe(201);
  return res.body.accessToken;
}

/**
 * nginx keeps anonymous catalog reads for the rest of the current second (its edge cache); from
 * the next second on, every read shows what changed before it.
 */
async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
}

async function etagOf(url: string, path: string): Promise<string> {
  const res = await call(url, 'GET', path);
  expect(res.status).toBe(200);
  expect(res.headers['cache-control']).toBe(PUBLIC);
  return res.headers.etag as string;
}

describe('catalog reads', () => {
  it('answer 304 to a repeat with their ETag, through the gateway and through nginx', async () => {
    const paths = [productPath, `/api/products?category=${categoryName}`, '/api/categories'];
    for (const [name, url] of entries) {
      for (const path of paths) {
        const etag = await etagOf(url, path);
        expect(etag, `${name} ${path}`).toMatch(/^W\//);
        const again = await call(url, 'GET', path, { headers: { 'if-none-match': etag } });
        expect(again.status, `${name} ${path}`).toBe(304);
        expect(again.text).toBe('');
        expect(again.headers.etag).toBe(etag);
      }
    }
  });

  it('answer 200 with a new ETag after an admin change', async () => {
    const before = await etagOf(stack.entry, productPath);
    const patched = await call(stack.entry, 'PATCH', productPath, { token: adminToken, body: { price: 6 } });
    expect(patched.status).toBe(200);
    await nextSecond();
    for (const [name, url] of entries) {
      const after = await call(url, 'GET', productPath, { headers: { 'if-none-match': before } });
      expect(after.status, name).toBe(200);
      expect(after.body.price).toBe(6);
      expect(after.headers.etag).not.toBe(before);
    }
  });

  it('answer 200 with a new ETag after an order takes stock', async () => {
    const before = await etagOf(stack.entry, productPath);
    const stockBefore = (await call(stack.entry, 'GET', productPath)).body.stock as number;
    const placed = await call(stack.entry, 'POST', '/api/orders', {
      token: await customer('buyer'),
      body: { items: [{ productId: productPath.split('/').pop(), quantity: 1 }] },
    });
    expect(placed.status).toBe(201);
    await nextSecond();
    for (const [name, url] of entries) {
      const after = await call(url, 'GET', productPath, { headers: { 'if-none-match': before } });
      expect(after.status, name).toBe(200);
      expect(after.body.stock).toBe(stockBefore - 1);
      expect(after.headers.etag).not.toBe(before);
    }
  });
});

describe('answers for one user', () => {
  it('are private, no-store, and a second user behind the same proxy never gets the first one’s', async () => {
    const [alice, bob] = [await customer('alice'), await customer('bob')];
    for (const [name, url] of entries) {
      const login = await call(url, 'POST', '/api/auth/login', { body: ADMIN });
      expect(login.headers['cache-control'], `${name} login`).toBe(PRIVATE);
      const aliceProfile = await call(url, 'GET', '/api/auth/profile', { token: alice });
      const bobProfile = await call(url, 'GET', '/api/auth/profile', { token: bob });
      expect(aliceProfile.headers['cache-control'], `${name} profile`).toBe(PRIVATE);
      expect(bobProfile.body.user.name).toBe('bob');
      expect(aliceProfile.body.user.name).toBe('alice');
      const orders = await call(url, 'GET', '/api/orders', { token: alice });
      expect(orders.status).toBe(200);
      expect(orders.headers['cache-control'], `${name} orders`).toBe(PRIVATE);
      expect(orders.headers.etag).toBeUndefined();
    }
  });
});
