import { startRedis } from '@ecom/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCategory,
  createProduct,
  newOrderId,
  startProductService,
  useProductService,
  type TestService,
} from './support/product-service';

describe('with Redis up', () => {
  let service: TestService;
  useProductService((started) => (service = started));

  it('when a list is read twice, then the second read is a HIT with the same body', async () => {
    const category = await createCategory(service);
    await createProduct(service, { category: category.name });
    const first = await service.http.get('/products').query({ category: category.name });
    const second = await service.http.get('/products').query({ category: category.name });
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toEqual(first.body);
    expect(first.body).not.toHaveProperty('cached');
  });

  it('when a cached answer is served as stored bytes, then text outside ASCII and the JSON type survive', async () => {
    const name = 'Café crème ☕ – naïve "quoted" \\ text';
    const product = await createProduct(service, { name, description: '"stock":1,"updatedAt":"x"' });
    await service.http.get(`/products/${product.id}`);
    const hit = await service.http.get(`/products/${product.id}`);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(hit.body).toMatchObject({ id: product.id, name, description: '"stock":1,"updatedAt":"x"' });
  });

  it('when a product is written, then cached lists and the product itself are served fresh', async () => {
    const category = await createCategory(service);
    const product = await createProduct(service, { category: category.name, price: 10 });
    const list = () => service.http.get('/products').query({ category: category.name });
    await list();
    await service.http.get(`/products/${product.id}`);
    expect((await list()).headers['x-cache']).toBe('HIT');
    expect((await service.http.get(`/products/${product.id}`)).headers['x-cache']).toBe('HIT');

    await service.http
      .patch(`/products/${product.id}`)
      .set('Authorization', service.adminAuth)
      .send({ price: 12 });

    const afterList = await list();
    expect(afterList.headers['x-cache']).toBe('MISS');
    expect(afterList.body.items[0].price).toBe(12);
    const afterItem = await service.http.get(`/products/${product.id}`);
    expect(afterItem.headers['x-cache']).toBe('MISS');
    expect(afterItem.body.price).toBe(12);

    await createProduct(service, { category: category.name });
    expect((await list()).body.total).toBe(2);
  });

  it('when a reservation takes stock, then the cached product stays a HIT and shows the new stock', async () => {
    const product = await createProduct(service, { stock: 5 });
    await service.http.get(`/products/${product.id}`);
    const before = await service.http.get(`/products/${product.id}`);
    expect(before.headers['x-cache']).toBe('HIT');
    const reserved = await service.http
      .post('/inventory/reservations')
      .set('X-Internal-Token', service.internalToken)
      .send({ orderId: newOrderId(), items: [{ productId: product.id, quantity: 2 }] });
    expect(reserved.status).toBe(201);

    const after = await service.http.get(`/products/${product.id}`);
    expect(after.headers['x-cache']).toBe('HIT');
    const stored = await service.productStore.byId(product.id);
    expect(after.body.stock).toBe(3);
    expect(stored!.stock).toBe(3);
    expect(after.body.updatedAt).toBe(stored!.updatedAt.toISOString());
    expect(after.body.updatedAt).not.toBe(before.body.updatedAt);
  });

  it('when a reserved order is released, then the product shows its stock back', async () => {
    const product = await createProduct(service, { stock: 5 });
    const orderId = newOrderId();
    await service.http
      .post('/inventory/reservations')
      .set('X-Internal-Token', service.internalToken)
      .send({ orderId, items: [{ productId: product.id, quantity: 2 }] });
    expect((await service.http.get(`/products/${product.id}`)).body.stock).toBe(3);

    const released = await service.http
      .delete(`/inventory/reservations/${orderId}`)
      .set('X-Internal-Token', service.internalToken);
    expect(released.status).toBe(200);
    const after = await service.http.get(`/products/${product.id}`);
    expect(after.headers['x-cache']).toBe('HIT');
    expect(after.body.stock).toBe(5);
  });

  it('when a sold-out product gets units back, then inStock lists are rebuilt with it', async () => {
    const category = await createCategory(service);
    const product = await createProduct(service, { category: category.name, stock: 2 });
    const list = () => service.http.get('/products').query({ category: category.name, inStock: 'true' });
    const orderId = newOrderId();
    await service.http
      .post('/inventory/reservations')
      .set('X-Internal-Token', service.internalToken)
      .send({ orderId, items: [{ productId: product.id, quantity: 2 }] });
    expect((await list()).body.total).toBe(0);
    expect((await list()).headers['x-cache']).toBe('HIT');

    await service.http
      .delete(`/inventory/reservations/${orderId}`)
      .set('X-Internal-Token', service.internalToken);
    const after = await list();
    expect(after.headers['x-cache']).toBe('MISS');
    expect(after.body.items).toMatchObject([{ id: product.id, stock: 2 }]);
  });

  it('when an admin sets the stock after orders, then the new figure wins over the live one', async () => {
    const product = await createProduct(service, { stock: 5 });
    await service.http
      .post('/inventory/reservations')
      .set('X-Internal-Token', service.internalToken)
      .send({ orderId: newOrderId(), items: [{ productId: product.id, quantity: 1 }] });
    await service.http
      .patch(`/products/${product.id}`)
      .set('Authorization', service.adminAuth)
      .send({ stock: 50 });
    await service.http.get(`/products/${product.id}`);
    const cached = await service.http.get(`/products/${product.id}`);
    expect(cached.headers['x-cache']).toBe('HIT');
    expect(cached.body.stock).toBe(50);
  });

  it('when a reservation leaves stock, then cached lists stay warm; when it sells out, they are rebuilt', async () => {
    const category = await createCategory(service);
    const product = await createProduct(service, { category: category.name, stock: 3 });
    const list = () => service.http.get('/products').query({ category: category.name, inStock: 'true' });
    const reserve = (quantity: number) =>
      service.http
        .post('/inventory/reservations')
        .set('X-Internal-Token', service.internalToken)
        .send({ orderId: newOrderId(), items: [{ productId: product.id, quantity }] });
    await list();

    expect((await reserve(1)).status).toBe(201);
    const warm = await list();
    expect(warm.headers['x-cache']).toBe('HIT');
    expect(warm.body.items[0].stock).toBe(2);

    expect((await reserve(2)).status).toBe(201);
    const afterSellOut = await list();
    expect(afterSellOut.headers['x-cache']).toBe('MISS');
    expect(afterSellOut.body.total).toBe(0);
  });

  it('when a product is deleted, then its cached copy is not served', async () => {
    const product = await createProduct(service);
    await service.http.get(`/products/${product.id}`);
    await service.http.delete(`/products/${product.id}`).set('Authorization', service.adminAuth);
    expect((await service.http.get(`/products/${product.id}`)).status).toBe(404);
  });

  it('when a category is created, then the cached category list includes it', async () => {
    await service.http.get('/categories');
    expect((await service.http.get('/categories')).headers['x-cache']).toBe('HIT');
    const created = await createCategory(service);
    const after = await service.http.get('/categories');
    expect(after.headers['x-cache']).toBe('MISS');
    expect(after.body.items.map((c: { id: string }) => c.id)).toContain(created.id);
  });

  it('when cache keys are written, then they carry the service prefix and a TTL', async () => {
    const product = await createProduct(service);
    await service.http.get(`/products/${product.id}`);
    const ttl = await service.redis.ttl(`products:item:${product.id}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
  });
});

describe('with Redis stopped', () => {
  let service: TestService;
  let stopRedis: () => Promise<void>;

  beforeAll(async () => {
    const redis = await startRedis();
    stopRedis = redis.stop;
    service = await startProductService({ redisUrl: redis.url });
  });

  afterAll(async () => {
    await service?.close();
    await stopRedis?.();
  });

  it('when Redis goes away, then every route still answers from MongoDB, never a 500', async () => {
    const category = await createCategory(service);
    const product = await createProduct(service, { category: category.name, stock: 5 });
    await service.http.get(`/products/${product.id}`);
    await stopRedis();

    const started = Date.now();
    const item = await service.http.get(`/products/${product.id}`);
    expect(item.status).toBe(200);
    expect(item.headers['x-cache']).toBe('MISS');
    expect(Date.now() - started).toBeLessThan(1_500);

    const list = await service.http.get('/products').query({ category: category.name });
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    expect((await service.http.get('/categories')).status).toBe(200);

    const patched = await service.http
      .patch(`/products/${product.id}`)
      .set('Authorization', service.adminAuth)
      .send({ price: 3 });
    expect(patched.status).toBe(200);
    const created = await createProduct(service, { category: category.name });
    expect(created.id).toBeTruthy();

    const reserved = await service.http
      .post('/inventory/reservations')
      .set('X-Internal-Token', service.internalToken)
      .send({ orderId: newOrderId(), items: [{ productId: product.id, quantity: 2 }] });
    expect(reserved.status).toBe(201);
    expect((await service.http.get(`/products/${product.id}`)).body.stock).toBe(3);

    expect((await service.http.get('/ready')).status).toBe(200);
    const metrics = await service.http.get('/metrics');
    expect(metrics.text).toMatch(/product_cache_available\{[^}]*\} 0/);
    expect(metrics.text).toMatch(/product_cache_requests_total\{[^}]*result="bypass"/);
  });
});
