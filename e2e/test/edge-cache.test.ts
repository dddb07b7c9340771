/**
 * nginx's edge cache of anonymous catalog reads, against the real processes: a MISS fills it, the
 * next read of the same URL within the second is a HIT, a request with a token always goes to the
 * gateway (BYPASS), and what a HIT shows is less than a second old.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http';
import { ADMIN, buildAll, findNginx, Stack } from '../support/stack';

const nginx = findNginx();
let stack: Stack;
let adminToken: string;
let productId: string;

/** Waits for the start of a wall-clock second: entries are keyed on the current second. */
async function startOfSecond(): Promise<void> {
  const wait = 1000 - (Date.now() % 1000);
  await new Promise((resolve) => setTimeout(resolve, wait + 20));
}

const cacheStatus = (res: { headers: Record<string, unknown> }) => res.headers['x-cache-status'];

/**
 * Two reads within one wall-clock second (the key's second), so the second can hit what the first
 * stored. On a loaded machine a cold first read may end in the next second, where the key is a new
 * one: such a pair says nothing about the cache and is taken again (at most three times).
 */
async function twoReadsInOneSecond<T>(first: () => Promise<T>, second: () => Promise<T>): Promise<[T, T]> {
  for (let attempt = 1; ; attempt += 1) {
    await startOfSecond();
    const second0 = Math.floor(Date.now() / 1000);
    const earlier = await first();
    // nginx moves a stored answer into place just after it has sent it: a read right behind the
    // first can still miss. A moment later, well within the second, it must hit.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const answers: [T, T] = [earlier, await second()];
    if (Math.floor(Date.now() / 1000) === second0) return answers;
    if (attempt === 3)
      throw new Error('three pairs of reads each spanned two seconds: the stack is too slow');
  }
}

beforeAll(async () => {
  if (!nginx) return;
  await buildAll();
  stack = await Stack.start();
  const login = await call(stack.entry, 'POST', '/api/auth/login', { body: ADMIN });
  adminToken = login.body.accessToken;
  const created = await call(stack.entry, 'POST', '/api/products', {
    token: adminToken,
    body: { name: 'Edge mug', price: 9.5, category: 'Electronics', stock: 10, sku: `EDGE-${Date.now()}` },
  });
  expect(created.status).toBe(201);
  productId = created.body.id;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe.skipIf(!nginx)('nginx edge cache for anonymous catalog reads', () => {
  it('serves the second read of a URL within the second from the cache, without the first reader’s headers', async () => {
    const path = `/api/products?page=1&limit=${3 + (Date.now() % 50)}`;
    const [first, second] = await twoReadsInOneSecond(
      () => call(stack.entry, 'GET', path),
      () => call(stack.entry, 'GET', path),
    );
    expect(first.status).toBe(200);
    expect(cacheStatus(first)).toBe('MISS');
    expect(first.headers['x-ratelimit-limit']).toBeDefined();
    expect(second.status).toBe(200);
    expect(cacheStatus(second)).toBe('HIT');
    expect(second.text).toBe(first.text);
    // Another reader's rate-limit counters and request id are never replayed.
    expect(second.headers['x-ratelimit-remaining']).toBeUndefined();
    expect(second.headers.ratelimit).toBeUndefined();
    expect(second.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
  });

  it('caches product details and categories, and answers If-None-Match with 304 from the cache', async () => {
    const product = `/api/products/${productId}`;
    let etag = '';
    const [first, revalidated] = await twoReadsInOneSecond(
      async () => {
        const answer = await call(stack.entry, 'GET', product);
        etag = answer.headers.etag as string;
        return answer;
      },
      () => call(stack.entry, 'GET', product, { headers: { 'if-none-match': etag } }),
    );
    expect(cacheStatus(first)).toBe('MISS');
    expect(etag).toBeTruthy();
    expect(revalidated.status).toBe(304);
    expect(cacheStatus(revalidated)).toBe('HIT');
    const categories = await twoReadsInOneSecond(
      () => call(stack.entry, 'GET', '/api/categories'),
      () => call(stack.entry, 'GET', '/api/categories'),
    );
    expect(categories.map(cacheStatus)).toEqual(['MISS', 'HIT']);
  });

  it('sends requests with an Authorization header to the gateway and never stores their answers', async () => {
    const path = `/api/products?page=2&limit=${3 + (Date.now() % 50)}`;
    await startOfSecond();
    const withToken = await call(stack.entry, 'GET', path, { token: adminToken });
    expect(withToken.status).toBe(200);
    expect(cacheStatus(withToken)).toBe('BYPASS');
    expect(withToken.headers['x-ratelimit-remaining']).toBeDefined();
    expect(cacheStatus(await call(stack.entry, 'GET', path, { token: adminToken }))).toBe('BYPASS');
    // The answers above were not stored: the first anonymous read is a miss.
    expect(cacheStatus(await call(stack.entry, 'GET', path))).toBe('MISS');
  });

  it('keeps only successful answers', async () => {
    const missing = '/api/products/64b000000000000000000042';
    await startOfSecond();
    const first = await call(stack.entry, 'GET', missing);
    const second = await call(stack.entry, 'GET', missing);
    expect([first.status, second.status]).toEqual([404, 404]);
    expect([cacheStatus(first), cacheStatus(second)]).toEqual(['MISS', 'MISS']);
  });

  it('shows a change within a second', async () => {
    await startOfSecond();
    const before = await call(stack.entry, 'GET', `/api/products/${productId}`);
    expect(before.body.stock).toBe(10);
    const patched = await call(stack.entry, 'PATCH', `/api/products/${productId}`, {
      token: adminToken,
      body: { stock: 4 },
    });
    expect(patched.status).toBe(200);
    await startOfSecond();
    const after = await call(stack.entry, 'GET', `/api/products/${productId}`);
    expect(after.body.stock).toBe(4);
  });
});
