import { describe, expect, it } from 'vitest';
import {
  createCategory,
  createProduct,
  newOrderId,
  useProductService,
  type TestService,
} from './support/product-service';

let service: TestService;
useProductService((started) => (service = started));

/** Reads a URL, then reads it again with the ETag it got: the pair a browser or CDN sends. */
async function readTwice(path: string) {
  const first = await service.http.get(path);
  expect(first.status).toBe(200);
  const etag = first.headers.etag as string;
  const again = await service.http.get(path).set('If-None-Match', etag);
  return { first, etag, again };
}

describe('conditional GETs on the catalog', () => {
  it('when a product list, a product and the categories are read again with their ETag, then each answers 304 without a body', async () => {
    const product = await createProduct(service);
    for (const path of [`/products?category=${product.category}`, `/products/${product.id}`, '/categories']) {
      const { first, etag, again } = await readTwice(path);
      expect(etag).toMatch(/^W\/"[a-z]+-\d+-[\w-]+"$/);
      expect(first.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
      expect(again.status).toBe(304);
      expect(again.text ?? '').toBe('');
      expect(again.headers.etag).toBe(etag);
      expect(again.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
    }
  });

  it('when the cached copy serves the repeat, then the ETag is the one the database read produced', async () => {
    const product = await createProduct(service);
    const miss = await service.http.get(`/products/${product.id}`);
    const hit = await service.http.get(`/products/${product.id}`);
    expect([miss.headers['x-cache'], hit.headers['x-cache']]).toEqual(['MISS', 'HIT']);
    expect(hit.headers.etag).toBe(miss.headers.etag);
  });

  it('when an admin changes a product, then its detail and its list answer 200 with a new ETag', async () => {
    const product = await createProduct(service, { price: 10 });
    const detail = await readTwice(`/products/${product.id}`);
    const list = await readTwice(`/products?category=${product.category}`);
    expect([detail.again.status, list.again.status]).toEqual([304, 304]);

    const patched = await service.http
      .patch(`/products/${product.id}`)
      .set('Authorization', service.adminAuth)
      .send({ price: 11 });
    expect(patched.status).toBe(200);

    const detailAfter = await service.http.get(`/products/${product.id}`).set('If-None-Match', detail.etag);
    expect(detailAfter.status).toBe(200);
    expect(detailAfter.body.price).toBe(11);
    expect(detailAfter.headers.etag).not.toBe(detail.etag);
    const listAfter = await service.http
      .get(`/products?category=${product.category}`)
      .set('If-None-Match', list.etag);
    expect(listAfter.status).toBe(200);
    expect(listAfter.headers.etag).not.toBe(list.etag);
  });

  it('when a reservation takes stock, then the cached product and list answer 200 with a new ETag and the new stock', async () => {
    const product = await createProduct(service, { stock: 5 });
    const detail = await readTwice(`/products/${product.id}`);
    const list = await readTwice(`/products?category=${product.category}`);
    expect([detail.again.status, list.again.status]).toEqual([304, 304]);

    const reserved = await service.http
      .post('/inventory/reservations')
      .set('X-Internal-Token', service.internalToken)
      .send({ orderId: newOrderId(), items: [{ productId: product.id, quantity: 2 }] });
    expect(reserved.status).toBe(201);

    const detailAfter = await service.http.get(`/products/${product.id}`).set('If-None-Match', detail.etag);
    expect(detailAfter.status).toBe(200);
    // Still served from the cached entry: only the live stock moved the ETag.
    expect(detailAfter.headers['x-cache']).toBe('HIT');
    expect(detailAfter.body.stock).toBe(3);
    expect(detailAfter.headers.etag).not.toBe(detail.etag);
    const listAfter = await service.http
      .get(`/products?category=${product.category}`)
      .set('If-None-Match', list.etag);
    expect(listAfter.status).toBe(200);
    expect(listAfter.body.items[0].stock).toBe(3);
    expect(listAfter.headers.etag).not.toBe(list.etag);
  });

  it('when an admin adds a category, then the category list answers 200 with a new ETag', async () => {
    const before = await readTwice('/categories');
    expect(before.again.status).toBe(304);
    await createCategory(service);
    const after = await service.http.get('/categories').set('If-None-Match', before.etag);
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(before.etag);
  });

  it('when an admin renames a category, then its detail answers 200 with a new ETag', async () => {
    const category = await createCategory(service);
    const before = await readTwice(`/categories/${category.id}`);
    expect(before.again.status).toBe(304);
    const renamed = await service.http
      .put(`/categories/${category.id}`)
      .set('Authorization', service.adminAuth)
      .send({ name: `${category.name}-renamed` });
    expect(renamed.status).toBe(200);
    const after = await service.http.get(`/categories/${category.id}`).set('If-None-Match', before.etag);
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(before.etag);
  });

  it('when anything but a catalog read answers, then it is private, no-store and carries no hashed ETag', async () => {
    const created = await service.http
      .post('/categories')
      .set('Authorization', service.adminAuth)
      .send({ name: `Private-${Date.now()}` });
    expect(created.status).toBe(201);
    expect(created.headers['cache-control']).toBe('private, no-store');
    const missing = await service.http.get('/products/000000000000000000000000');
    expect(missing.status).toBe(404);
    expect(missing.headers['cache-control']).toBe('private, no-store');
    expect(missing.headers.etag).toBeUndefined();
  });
});
