/**
 * The requests the original system's README documents, replayed against the real stack through
 * the public entry point. The bodies are the documented JSON texts; only placeholders are filled
 * in (`<token>`, `user_id`, `product_id`) and the example e-mail addresses made unique per run
 * (the documented ones are obfuscated in our copy, and a second run would find them taken).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, isErrorShape } from '../support/http';
import { ADMIN, buildAll, Stack } from '../support/stack';

let stack: Stack;
let entry: string;
const run = Date.now();
const quickStartEmail = `test.${run}@example.com`;
const johnEmail = `john.${run}@example.com`;
const state: { token?: string; userId?: string; productId?: string } = {};

const documented = {
  quickStartRegister: `{"email":"${quickStartEmail}","password":"password123","name":"Test User"}`,
  register: `{
  "email": "${johnEmail}",
  "password": "securepassword",
  "name": "John Doe"
}`,
  login: `{
  "email": "${johnEmail}",
  "password": "securepassword"
}`,
  createProduct: `{
  "name": "Product Name",
  "description": "Product description",
  "price": 29.99,
  "category": "Electronics",
  "stock": 100
}`,
  createOrder: (userId: string, productId: string) => `{
  "userId": "${userId}",
  "items": [
    {
      "productId": "${productId}",
      "quantity": 2
    }
  ]
}`,
};
const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  await buildAll();
  stack = await Stack.start();
  entry = stack.entry;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

describe("the original API's documented requests, on a fresh stack", () => {
  it('GET /health answers 200', async () => {
    expect((await call(entry, 'GET', '/health')).status).toBe(200);
  });

  it('the quick start registration answers 201', async () => {
    const res = await call(entry, 'POST', '/api/auth/register', {
      body: documented.quickStartRegister,
      headers: json,
    });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: quickStartEmail, name: 'Test User' });
  });

  it('Register User answers 201, Login answers 200 with a token', async () => {
    const registered = await call(entry, 'POST', '/api/auth/register', {
      body: documented.register,
      headers: json,
    });
    expect(registered.status).toBe(201);
    const login = await call(entry, 'POST', '/api/auth/login', { body: documented.login, headers: json });
    expect(login.status).toBe(200);
    expect(login.body.accessToken).toEqual(expect.any(String));
    state.token = login.body.accessToken;
    state.userId = login.body.user.id;
  });

  it('Get Products answers 200 with the X-RateLimit-* headers', async () => {
    const res = await call(entry, 'GET', '/api/products');
    expect(res.status).toBe(200);
    const limit = Number(res.headers['x-ratelimit-limit']);
    const remaining = Number(res.headers['x-ratelimit-remaining']);
    const reset = Number(res.headers['x-ratelimit-reset']);
    expect(limit).toBeGreaterThan(0);
    expect(remaining).toBeGreaterThanOrEqual(0);
    expect(remaining).toBeLessThan(limit);
    // Documented as a Unix time in seconds (1640995200): now or later, not a duration.
    expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) - 1);
  });

  it('Create Product with the documented body (category "Electronics") answers 201 for an admin', async () => {
    const admin = await call(entry, 'POST', '/api/auth/login', { body: ADMIN });
    const res = await call(entry, 'POST', '/api/products', {
      body: documented.createProduct,
      headers: { ...json, authorization: `Bearer ${admin.body.accessToken}` },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Product Name',
      price: 29.99,
      category: 'Electronics',
      stock: 100,
    });
    state.productId = res.body.id;
  });

  it('Create Order with the documented body (userId = the caller) answers 201 and belongs to the caller', async () => {
    const res = await call(entry, 'POST', '/api/orders', {
      body: documented.createOrder(state.userId!, state.productId!),
      headers: { ...json, authorization: `Bearer ${state.token}` },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ userId: state.userId, status: 'pending', items: [{ quantity: 2 }] });
  });

  it("Create Order naming another user's id answers 403 in the documented error shape", async () => {
    const res = await call(entry, 'POST', '/api/orders', {
      body: documented.createOrder('64b000000000000000000001', state.productId!),
      headers: { ...json, authorization: `Bearer ${state.token}` },
    });
    expect(res.status).toBe(403);
    expect(isErrorShape(res.body, 403)).toBe(true);
  });

  it('errors come in the documented shape: {"error", "timestamp", "status"}', async () => {
    const res = await call(entry, 'POST', '/api/auth/login', {
      body: `{"email":"${johnEmail}","password":"wrong-password"}`,
      headers: json,
    });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: expect.any(String), status: 401 });
    expect(new Date(res.body.timestamp).toISOString()).toBe(res.body.timestamp);
  });
});
