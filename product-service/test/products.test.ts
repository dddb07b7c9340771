import { Types } from 'mongoose';
import { forgedTokens, uniqueName } from '@ecom/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createCategory,
  createProduct,
  useProductService,
  type TestService,
  tokenKeys,
  storedProducts,
} from './support/product-service';

let service: TestService;
useProductService((started) => (service = started));

const isoDate = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);

describe('creating a product', () => {
  it('when an admin posts a valid product, then it is stored with exact cents and returned with 201 and a Location', async () => {
    const category = await createCategory(service);
    const response = await service.http
      .post('/products')
      .set('Authorization', service.adminAuth)
      .send({
        name: '  Desk Lamp ',
        description: 'Warm light',
        price: 19.99,
        category: category.name.toUpperCase(),
        stock: 7,
        sku: uniqueName('SKU-'),
      });
    expect(response.status).toBe(201);
    expect(response.headers.location).toBe(`/products/${response.body.id}`);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[a-f\d]{24}$/),
      name: 'Desk Lamp',
      description: 'Warm light',
      price: 19.99,
      category: category.name,
      stock: 7,
      sku: expect.stringMatching(/^SKU-/),
      isActive: true,
      createdAt: isoDate,
      updatedAt: isoDate,
    });
    const stored = await storedProducts(service).findOne({ _id: new Types.ObjectId(response.body.id) });
    expect(stored).toMatchObject({ priceCents: 1999, categoryKey: category.name.toLowerCase() });
  });

  it("when an admin token is not signed by user-service's key as issued, then 401 whatever the attack", async () => {
    const { kid, key, privateKey } = tokenKeys.keys.signing;
    const claims = { sub: '64b000000000000000000002', email: 'root@example.com', role: 'admin' as const };
    for (const [attack, token] of Object.entries(forgedTokens({ kid, publicKey: key, privateKey }, claims))) {
      const response = await service.http.post('/products').set('Authorization', `Bearer ${token}`).send({});
      expect(response.status, attack).toBe(401);
    }
  });

  it('when there is no token, then 401 in the common error shape; a customer token gets 403', async () => {
    const anonymous = await service.http.post('/products').send({});
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({
      error: 'Authentication required',
      status: 401,
      timestamp: isoDate,
      requestId: expect.any(String),
    });
    const customer = await service.http.post('/products').set('Authorization', service.customerAuth).send({});
    expect(customer.status).toBe(403);
  });

  it.each([
    ['a negative price', { price: -1 }, 'price'],
    ['three decimals', { price: 1.005 }, 'price'],
    ['fractional stock', { stock: 1.5 }, 'stock'],
    ['negative stock', { stock: -1 }, 'stock'],
    ['an unknown field', { discount: 5 }, ''],
    ['an operator instead of a name', { name: { $gt: '' } }, 'name'],
  ])('when the body has %s, then 400 names the field', async (_label, override, path) => {
    const category = await createCategory(service);
    const response = await service.http
      .post('/products')
      .set('Authorization', service.adminAuth)
      .send({ name: 'X', price: 1, stock: 1, category: category.name, ...override });
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });

  it('when the category does not exist, then 422 and nothing is stored', async () => {
    const name = uniqueName('Ghost-');
    const response = await service.http
      .post('/products')
      .set('Authorization', service.adminAuth)
      .send({ name, price: 1, stock: 1, category: 'No Such Category' });
    expect(response.status).toBe(422);
    expect(response.body.error).toBe('Unknown category');
    expect(await storedProducts(service).countDocuments({ name })).toBe(0);
  });

  it('when the SKU is taken, then 409; products without SKU never collide', async () => {
    const sku = uniqueName('DUP-');
    await createProduct(service, { sku });
    const category = await createCategory(service);
    const duplicate = await service.http
      .post('/products')
      .set('Authorization', service.adminAuth)
      .send({ name: 'Again', price: 1, stock: 1, category: category.name, sku });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error).toBe('A product with this SKU already exists');
    await createProduct(service);
    await createProduct(service);
  });
});

describe('reading a product', () => {
  it('when the id exists, then 200 with the product; an invalid id is 400; a missing one is 404', async () => {
    const product = await createProduct(service, { price: 5.5 });
    const found = await service.http.get(`/products/${product.id}`);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ id: product.id, price: 5.5 });
    expect(found.body).not.toHaveProperty('holds');

    const invalid = await service.http.get('/products/not-an-id');
    expect(invalid.status).toBe(400);
    expect(invalid.body.details[0].path).toBe('id');

    const missing = await service.http.get('/products/0123456789abcdef01234567');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('Product not found');
  });
});

describe('query parameters on routes that take none', () => {
  it.each([
    ['get', '/products/:id'],
    ['get', '/categories'],
    ['get', '/categories/:id'],
    ['head', '/products/:id'],
  ] as const)(
    'when %s %s gets an unknown query parameter, then 400 as on GET /products',
    async (method, path) => {
      const product = await createProduct(service);
      const category = await createCategory(service);
      const url = path.replace(':id', path.startsWith('/products') ? product.id : category.id);
      const response = await service.http[method](`${url}?color=blue`);
      expect(response.status).toBe(400);
      if (method === 'get') {
        expect(response.body).toMatchObject({
          error: 'Invalid request query',
          details: [{ path: 'color', message: 'unknown query parameter' }],
        });
      }
      expect((await service.http[method](url)).status).toBe(200);
    },
  );
});

describe('ids in upper case', () => {
  it('when a product is read by its id in upper case, then it is the same product, fresh after a change', async () => {
    const product = await createProduct(service, { price: 5.5 });
    const upper = product.id.toUpperCase();
    expect((await service.http.get(`/products/${upper}`)).body).toMatchObject({ id: product.id, price: 5.5 });

    const patched = await service.http
      .patch(`/products/${product.id}`)
      .set('Authorization', service.adminAuth)
      .send({ price: 7 });
    expect(patched.status).toBe(200);
    for (const id of [product.id, upper]) {
      expect((await service.http.get(`/products/${id}`)).body).toMatchObject({ id: product.id, price: 7 });
    }
  });

  it('when the document describes an id, then its pattern accepts both cases', async () => {
    const doc = await service.http.get('/openapi.json');
    const id = doc.body.paths['/products/{id}'].get.parameters.find((p: { name: string }) => p.name === 'id');
    const pattern = new RegExp(id.schema.pattern);
    expect(pattern.test('64b0000000000000000000ab')).toBe(true);
    expect(pattern.test('64B0000000000000000000AB')).toBe(true);
  });
});

describe('updating a product', () => {
  it('when an admin PUTs, then every field is replaced (an absent SKU is removed)', async () => {
    const product = await createProduct(service, { sku: uniqueName('PUT-'), description: 'old' });
    const other = await createCategory(service);
    const response = await service.http
      .put(`/products/${product.id}`)
      .set('Authorization', service.adminAuth)
      .send({ name: 'Replaced', price: 12.3, stock: 3, category: other.name });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      name: 'Replaced',
      price: 12.3,
      stock: 3,
      category: other.name,
      description: '',
    });
    expect(response.body).not.toHaveProperty('sku');
  });

  it('when a PATCH gives a SKU another product has, then 409 and the product keeps its own', async () => {
    const taken = uniqueName('TAKEN-');
    await createProduct(service, { sku: taken });
    const product = await createProduct(service, { sku: uniqueName('MINE-') });
    const response = await service.http
      .patch(`/products/${product.id}`)
      .set('Authorization', service.adminAuth)
      .send({ sku: taken });
    expect(response.status).toBe(409);
    expect((await service.http.get(`/products/${product.id}`)).body.sku).not.toBe(taken);
  });

  it('when a PUT body lacks a required field, then 400', async () => {
    const product = await createProduct(service);
    const response = await service.http
      .put(`/products/${product.id}`)
      .set('Authorization', service.adminAuth)
      .send({ name: 'Only a name' });
    expect(response.status).toBe(400);
  });

  it('when an admin PATCHes some fields, then only those change', async () => {
    const product = await createProduct(service, { price: 10, stock: 4 });
    const response = await service.http
      .patch(`/products/${product.id}`)
      .set('Authorization', service.adminAuth)
      .send({ price: 11.25, isActive: false });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ price: 11.25, stock: 4, isActive: false, name: product.name });
  });

  it('when a PATCH is empty, names an unknown category or targets a missing product, then 400, 422, 404', async () => {
    const product = await createProduct(service);
    const patch = (id: string, body: object) =>
      service.http.patch(`/products/${id}`).set('Authorization', service.adminAuth).send(body);
    expect((await patch(product.id, {})).status).toBe(400);
    expect((await patch(product.id, { category: 'Nope' })).status).toBe(422);
    expect((await patch('0123456789abcdef01234567', { price: 1 })).status).toBe(404);
  });
});

describe('deleting a product', () => {
  it('when an admin deletes it, then 204 and it is gone; deleting again is 404', async () => {
    const product = await createProduct(service);
    const del = () => service.http.delete(`/products/${product.id}`).set('Authorization', service.adminAuth);
    expect((await del()).status).toBe(204);
    expect((await service.http.get(`/products/${product.id}`)).status).toBe(404);
    expect((await del()).status).toBe(404);
  });
});

describe('listing products', () => {
  let category: string;

  beforeAll(async () => {
    category = (await createCategory(service)).name;
    const rows = [
      { name: 'Alpha (regex) widget', price: 5, stock: 0 },
      { name: 'Beta gadget', price: 15.5, stock: 3, description: 'has a.b* inside' },
      { name: 'Gamma widget', price: 25, stock: 9 },
      { name: 'Delta gizmo', price: 35, stock: 1 },
      { name: 'Hidden widget', price: 20, stock: 5, isActive: false },
    ];
    for (const row of rows) await createProduct(service, { ...row, category });
  });

  const list = (query: Record<string, string | number>) =>
    service.http.get('/products').query({ category, ...query });

  it('when filtering by category, then only its active products come back, newest first, as a page', async () => {
    const response = await list({});
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ page: 1, limit: 20, total: 4, pages: 1 });
    expect(response.body.items.map((p: { name: string }) => p.name)).toEqual([
      'Delta gizmo',
      'Gamma widget',
      'Beta gadget',
      'Alpha (regex) widget',
    ]);
  });

  it('when the category is given in another case, then it still matches', async () => {
    const response = await list({ category: category.toUpperCase() });
    expect(response.body.total).toBe(4);
  });

  it('when filtering by price range and stock, then bounds are inclusive', async () => {
    const response = await list({ minPrice: 15.5, maxPrice: 35, inStock: 'true', sort: 'price' });
    expect(response.body.items.map((p: { price: number }) => p.price)).toEqual([15.5, 25, 35]);
    const soldOut = await list({ inStock: 'false' });
    expect(soldOut.body.items.map((p: { name: string }) => p.name)).toEqual(['Alpha (regex) widget']);
  });

  it('when searching, then name and description match case-insensitively and regex characters are literal', async () => {
    expect(
      (await list({ q: 'WIDGET', sort: 'name' })).body.items.map((p: { name: string }) => p.name),
    ).toEqual(['Alpha (regex) widget', 'Gamma widget']);
    expect((await list({ q: '(regex)' })).body.total).toBe(1);
    expect((await list({ q: 'a.b*' })).body.items[0].name).toBe('Beta gadget');
    expect((await list({ q: '.*' })).body.total).toBe(0);
  });

  it('when sorting and paginating, then pages are consistent', async () => {
    const first = await list({ sort: '-price', limit: 3, page: 1 });
    const second = await list({ sort: '-price', limit: 3, page: 2 });
    expect(first.body).toMatchObject({ total: 4, pages: 2, limit: 3 });
    expect([...first.body.items, ...second.body.items].map((p: { price: number }) => p.price)).toEqual([
      35, 25, 15.5, 5,
    ]);
  });

  it('when empty parameters are sent, then they are ignored', async () => {
    const response = await service.http.get('/products').query({ category, q: '', minPrice: '' });
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(4);
  });

  it('when the price range is inverted (minPrice above maxPrice), then the page is empty', async () => {
    const response = await list({ minPrice: 10, maxPrice: 5 });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ items: [], total: 0 });
  });

  it.each([
    [{ limit: 101 }],
    [{ page: 0 }],
    [{ sort: 'stock' }],
    [{ minPrice: 10.555 }],
    [{ inStock: 'yes' }],
    [{ unknown: 1 }],
    // Numbers in plain decimal only: Number() would read these as 16, 2, 10 and 5.
    [{ minPrice: '0x10' }],
    [{ page: '0b10' }],
    [{ limit: '1e1' }],
    [{ maxPrice: '5 ' }],
  ])('when the query is %j, then 400', async (query) => {
    const response = await list(query);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('Invalid request query');
  });
});

describe('service documents', () => {
  it('when asked, then /openapi.json lists the public routes and /metrics labels routes by pattern', async () => {
    const product = await createProduct(service);
    await service.http.get(`/products/${product.id}`);
    const doc = await service.http.get('/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/products', '/products/{id}', '/categories', '/categories/{id}']),
    );
    expect(Object.keys(doc.body.paths).some((path) => path.startsWith('/inventory'))).toBe(false);
    const metrics = await service.http.get('/metrics');
    expect(metrics.text).toContain('route="/products/:id"');
    expect(metrics.text).not.toContain(product.id);
    expect(metrics.text).toContain('product_cache_requests_total');
  });

  it('when an unknown route is called, then 404 in the common shape, naming no path (behind the gateway an internal one)', async () => {
    const response = await service.http.get('/products/64b000000000000000000001/nope');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ status: 404, error: 'Route not found' });
    expect(response.text).not.toContain('/products');
  });

  it('when a documented path is asked with another method, then 405 with Allow, naming no path', async () => {
    const response = await service.http.patch('/categories/64b000000000000000000001').send({});
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD, PUT, DELETE');
    expect(response.body.error).toBe('Method PATCH not allowed on this path');
  });
});
