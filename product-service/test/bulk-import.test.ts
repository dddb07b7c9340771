import { importCatalog, importReservations } from '@ecom/product-service';
import { uniqueName } from '@ecom/test-support';
import { describe, expect, it } from 'vitest';
import {
  createCategory,
  newOrderId,
  stockOf,
  storedProducts,
  type TestService,
  useProductService,
} from './support/product-service';

let service: TestService;
useProductService((started) => (service = started));

const internal = (path: string) => service.http.get(path).set('X-Internal-Token', service.internalToken);

describe('bulk import of a catalog (the load tool)', () => {
  it('when categories and products are imported, then the API serves them as if they had been POSTed', async () => {
    const category = uniqueName('Imported-');
    const existing = await createCategory(service);
    const sku = uniqueName('IMP-');
    const { productIds } = await importCatalog(service.connection, {
      categories: [{ name: category, description: 'From the load tool' }],
      products: [
        { name: 'First', price: 29.99, category: category.toUpperCase(), stock: 7, sku },
        { name: 'Second', description: 'Two', price: 5, category: existing.name, stock: 0, isActive: false },
      ],
    });

    expect(productIds).toHaveLength(2);
    const first = await service.http.get(`/products/${productIds[0]}`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      id: productIds[0],
      name: 'First',
      description: '',
      price: 29.99,
      // The category's stored spelling, as POST /products stores it.
      category,
      stock: 7,
      sku,
      isActive: true,
    });
    const second = await service.http.get(`/products/${productIds[1]}`);
    expect(second.body).toMatchObject({ name: 'Second', category: existing.name, isActive: false });
    expect(second.body).not.toHaveProperty('sku');
    // The derived fields the list filters use.
    const listed = await service.http.get('/products').query({ category, minPrice: 29.99, maxPrice: 29.99 });
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([productIds[0]]);
    const stored = await storedProducts(service).findOne({ sku });
    expect(stored).toMatchObject({ priceCents: 2999, categoryKey: category.toLowerCase() });
    const categories = (await service.http.get('/categories')).body.items;
    expect(categories).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: category, description: 'From the load tool' }),
      ]),
    );
  });

  it('when a product names no category, then the import is refused and no product is stored', async () => {
    const name = uniqueName('Orphan-');
    await expect(
      importCatalog(service.connection, {
        categories: [],
        products: [{ name, price: 1, category: uniqueName('Nowhere-'), stock: 1 }],
      }),
    ).rejects.toMatchObject({ name: 'UnknownCategory', refusal: 'unprocessable' });
    expect(await storedProducts(service).countDocuments({ name })).toBe(0);
  });
});

describe('bulk import of reservations (the load tool)', () => {
  it('when reservations are imported, then the reservation API reads them as reserved and the stock is untouched', async () => {
    const category = uniqueName('Reserved-');
    const { productIds } = await importCatalog(service.connection, {
      categories: [{ name: category }],
      products: [
        { name: 'Lamp', price: 12.5, category, stock: 10 },
        { name: 'Desk', price: 99, category, stock: 3 },
      ],
    });
    const [lamp, desk] = productIds as [string, string];
    const orderId = newOrderId();
    const other = newOrderId();
    await importReservations(service.connection, [
      {
        orderId,
        items: [
          { productId: desk, quantity: 1 },
          { productId: lamp, quantity: 2 },
          { productId: desk, quantity: 1 },
        ],
      },
      { orderId: other, items: [{ productId: lamp, quantity: 1 }] },
    ]);

    const read = await internal(`/inventory/reservations/${orderId}`);
    expect(read.status).toBe(200);
    // Lines merged and sorted by product id, as a reservation made through the API.
    const lines = [
      { productId: lamp, name: 'Lamp', quantity: 2, unitPrice: 12.5, unitPriceCents: 1250 },
      { productId: desk, name: 'Desk', quantity: 2, unitPrice: 99, unitPriceCents: 9900 },
    ].sort((a, b) => a.productId.localeCompare(b.productId));
    expect(read.body).toMatchObject({
      orderId,
      status: 'reserved',
      items: lines,
      totalAmount: 223,
      totalAmountCents: 22300,
    });
    expect((await internal(`/inventory/reservations/${other}`)).body.status).toBe('reserved');
    expect([await stockOf(service, lamp), await stockOf(service, desk)]).toEqual([10, 3]);

    // The same request again is a replay of the imported reservation; a release gives its units back.
    const replay = await service.http
      .post('/inventory/reservations')
      .set('X-Internal-Token', service.internalToken)
      .send({ orderId: other, items: [{ productId: lamp, quantity: 1 }] });
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const released = await service.http
      .delete(`/inventory/reservations/${orderId}`)
      .set('X-Internal-Token', service.internalToken);
    expect(released.body.status).toBe('released');
    expect([await stockOf(service, lamp), await stockOf(service, desk)]).toEqual([12, 5]);
  });

  it('when a reservation names a product that does not exist, then nothing is imported', async () => {
    const orderId = newOrderId();
    const missing = '0123456789abcdef01234567';
    await expect(
      importReservations(service.connection, [{ orderId, items: [{ productId: missing, quantity: 1 }] }]),
    ).rejects.toMatchObject({
      name: 'ProductsUnavailable',
      details: { reason: 'unavailable', items: [{ productId: missing, reason: 'not_found' }] },
    });
    expect((await internal(`/inventory/reservations/${orderId}`)).status).toBe(404);
  });
});
