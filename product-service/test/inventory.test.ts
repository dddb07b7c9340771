import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import {
  createProduct,
  newOrderId,
  useProductService,
  stockOf,
  type TestService,
  storedProducts,
  storedReservations,
} from './support/product-service';

let service: TestService;
useProductService((started) => (service = started), { orderWaitMs: 300 });

const reserve = (body: unknown) =>
  service.http
    .post('/inventory/reservations')
    .set('X-Internal-Token', service.internalToken)
    .send(body as object);
/** What the consumer records when it reads a placed order's signed order.created (see order-events.test.ts). */
const markPlaced = (orderId: string) => service.inventory.placed([orderId]);
/** The product's `holds` markers as stored (the API never shows them). */
const holdsOf = async (productId: string) =>
  (await storedProducts(service).findOne({ _id: new Types.ObjectId(productId) }))?.holds ?? [];
const release = (orderId: string) =>
  service.http.delete(`/inventory/reservations/${orderId}`).set('X-Internal-Token', service.internalToken);

describe('internal access', () => {
  it('when the service credential is missing or wrong, then 401 and nothing is reserved', async () => {
    const product = await createProduct(service, { stock: 5 });
    const body = { orderId: newOrderId(), items: [{ productId: product.id, quantity: 1 }] };
    expect((await service.http.post('/inventory/reservations').send(body)).status).toBe(401);
    const wrong = await service.http
      .post('/inventory/reservations')
      .set('X-Internal-Token', 'x'.repeat(24))
      .send(body);
    expect(wrong.status).toBe(401);
    const adminToken = await service.http
      .post('/inventory/reservations')
      .set('Authorization', service.adminAuth)
      .send(body);
    expect(adminToken.status).toBe(401);
    expect(await stockOf(service, product.id)).toBe(5);
  });
});

describe('reserving', () => {
  it('when every item is in stock, then 201 with authoritative names and prices, and stock drops', async () => {
    const lamp = await createProduct(service, { name: 'Lamp', price: 19.99, stock: 5 });
    const mug = await createProduct(service, { name: 'Mug', price: 0.1, stock: 3 });
    const orderId = newOrderId();
    const response = await reserve({
      orderId,
      items: [
        { productId: lamp.id, quantity: 2 },
        { productId: mug.id, quantity: 3 },
      ],
    });
    expect(response.status).toBe(201);
    expect(response.headers['idempotent-replayed']).toBe('false');
    expect(response.body).toMatchObject({
      orderId,
      status: 'reserved',
      totalAmountCents: 4028,
      totalAmount: 40.28,
    });
    expect(response.body.items).toEqual(
      expect.arrayContaining([
        { productId: lamp.id, name: 'Lamp', quantity: 2, unitPrice: 19.99, unitPriceCents: 1999 },
        { productId: mug.id, name: 'Mug', quantity: 3, unitPrice: 0.1, unitPriceCents: 10 },
      ]),
    );
    expect(await stockOf(service, lamp.id)).toBe(3);
    expect(await stockOf(service, mug.id)).toBe(0);
    const fetched = await service.http
      .get(`/inventory/reservations/${orderId}`)
      .set('X-Internal-Token', service.internalToken);
    expect(fetched.body).toEqual(response.body);
    // The take's markers stay until the sweep's next flush removes them, in one command for all.
    expect(await holdsOf(lamp.id)).toHaveLength(1);
    await service.sweep.flushMarkers();
    expect(await holdsOf(lamp.id)).toEqual([]);
    expect(await holdsOf(mug.id)).toEqual([]);
  });

  it('when the same productId appears twice, then the quantities are merged', async () => {
    const product = await createProduct(service, { stock: 5 });
    const response = await reserve({
      orderId: newOrderId(),
      items: [
        { productId: product.id, quantity: 1 },
        { productId: product.id, quantity: 2 },
      ],
    });
    expect(response.status).toBe(201);
    expect(response.body.items).toHaveLength(1);
    expect(response.body.items[0].quantity).toBe(3);
    expect(await stockOf(service, product.id)).toBe(2);
  });

  it('when the same call is repeated, then the same answer comes back and nothing more is taken', async () => {
    const product = await createProduct(service, { stock: 5 });
    const body = { orderId: newOrderId(), items: [{ productId: product.id, quantity: 2 }] };
    const first = await reserve(body);
    const again = await reserve(body);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await stockOf(service, product.id)).toBe(3);
  });

  it('when an orderId is reused with other items, then 422 and stock is unchanged', async () => {
    const product = await createProduct(service, { stock: 5 });
    const orderId = newOrderId();
    await reserve({ orderId, items: [{ productId: product.id, quantity: 1 }] });
    const reused = await reserve({ orderId, items: [{ productId: product.id, quantity: 2 }] });
    expect(reused.status).toBe(422);
    expect(reused.body.details.reason).toBe('order_id_reused');
    expect(await stockOf(service, product.id)).toBe(4);
  });

  it('when some items are short, then 409 lists every short item with what is available, and nothing is taken', async () => {
    const plenty = await createProduct(service, { stock: 10 });
    const few = await createProduct(service, { stock: 2 });
    const none = await createProduct(service, { stock: 0 });
    const orderId = newOrderId();
    const response = await reserve({
      orderId,
      items: [
        { productId: plenty.id, quantity: 1 },
        { productId: few.id, quantity: 3 },
        { productId: none.id, quantity: 1 },
      ],
    });
    expect(response.status).toBe(409);
    expect(response.body.error).toBe('Insufficient stock');
    expect(response.body.details.reason).toBe('insufficient_stock');
    expect(response.body.details.items).toEqual(
      expect.arrayContaining([
        { productId: few.id, requested: 3, available: 2 },
        { productId: none.id, requested: 1, available: 0 },
      ]),
    );
    expect(response.body.details.items).toHaveLength(2);
    expect([await stockOf(service, plenty.id), await stockOf(service, few.id)]).toEqual([10, 2]);
    // The orderId stays usable: nothing was recorded for it.
    expect((await reserve({ orderId, items: [{ productId: plenty.id, quantity: 1 }] })).status).toBe(201);
  });

  it('when a product is unknown or inactive, then 422 names it and nothing is taken', async () => {
    const good = await createProduct(service, { stock: 4 });
    const inactive = await createProduct(service, { stock: 4, isActive: false });
    const missing = '0123456789abcdef01234567';
    const response = await reserve({
      orderId: newOrderId(),
      items: [
        { productId: good.id, quantity: 1 },
        { productId: inactive.id, quantity: 1 },
        { productId: missing, quantity: 1 },
      ],
    });
    expect(response.status).toBe(422);
    expect(response.body.details.items).toEqual(
      expect.arrayContaining([
        { productId: inactive.id, reason: 'inactive' },
        { productId: missing, reason: 'not_found' },
      ]),
    );
    expect(await stockOf(service, good.id)).toBe(4);
    expect(await stockOf(service, inactive.id)).toBe(4);
  });

  it.each([
    [{ orderId: 'bad id!', items: [{ productId: '0123456789abcdef01234567', quantity: 1 }] }],
    [{ orderId: 'o1', items: [] }],
    [{ orderId: 'o1', items: [{ productId: 'nope', quantity: 1 }] }],
    [{ orderId: 'o1', items: [{ productId: '0123456789abcdef01234567', quantity: 0 }] }],
    [{ orderId: 'o1', items: [{ productId: '0123456789abcdef01234567', quantity: 1, price: 1 }] }],
  ])('when the body is %j, then 400', async (body) => {
    expect((await reserve(body)).status).toBe(400);
  });
});

describe('releasing', () => {
  it('when a reservation is released, then its units come back exactly once', async () => {
    const product = await createProduct(service, { stock: 5 });
    const orderId = newOrderId();
    await reserve({ orderId, items: [{ productId: product.id, quantity: 3 }] });
    const first = await release(orderId);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      orderId,
      status: 'released',
      items: [{ productId: product.id, quantity: 3 }],
    });
    expect(await stockOf(service, product.id)).toBe(5);

    const again = await release(orderId);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await stockOf(service, product.id)).toBe(5);
    const raw = await storedProducts(service).findOne({ _id: new Types.ObjectId(product.id) });
    expect(raw?.releases ?? []).toEqual([]);
  });

  it('when a released order is reserved again, then 409 and nothing is taken', async () => {
    const product = await createProduct(service, { stock: 5 });
    const orderId = newOrderId();
    const body = { orderId, items: [{ productId: product.id, quantity: 1 }] };
    await reserve(body);
    await release(orderId);
    const late = await reserve(body);
    expect(late.status).toBe(409);
    expect(late.body.details.reason).toBe('released');
    expect(await stockOf(service, product.id)).toBe(5);
  });

  it('when an unknown order is released, then a tombstone refuses a late reserve for it', async () => {
    const product = await createProduct(service, { stock: 5 });
    const orderId = newOrderId();
    const released = await release(orderId);
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ orderId, status: 'released', items: [] });
    const late = await reserve({ orderId, items: [{ productId: product.id, quantity: 1 }] });
    expect(late.status).toBe(409);
    expect(await stockOf(service, product.id)).toBe(5);
  });

  it('when the order id is not an ObjectId (undefined, a UUID), then 400 and no tombstone is written', async () => {
    for (const id of ['undefined', '6f9c1f0e-5b7a-4c1e-9d2a-3f4b5c6d7e8f', 'a'.repeat(23)]) {
      const response = await release(id);
      expect(response.status).toBe(400);
      expect(await storedReservations(service).findOne({ _id: id })).toBeNull();
    }
  });

  it('when asking for a reservation that does not exist, then 404', async () => {
    const response = await service.http
      .get(`/inventory/reservations/${newOrderId()}`)
      .set('X-Internal-Token', service.internalToken);
    expect(response.status).toBe(404);
  });
});

describe('releasing through the internal route', () => {
  it('when the order was placed (order.created read), then 409 and its stock stays reserved', async () => {
    const product = await createProduct(service, { stock: 5 });
    const orderId = newOrderId();
    await reserve({ orderId, items: [{ productId: product.id, quantity: 3 }] }).expect(201);
    await markPlaced(orderId);

    const refused = await release(orderId);

    expect(refused.status).toBe(409);
    expect(refused.body.details).toEqual({ reason: 'order_placed' });
    expect(await stockOf(service, product.id)).toBe(2);
    const stored = await service.http
      .get(`/inventory/reservations/${orderId}`)
      .set('X-Internal-Token', service.internalToken);
    expect(stored.body.status).toBe('reserved');
    // The order's cancellation still gives the stock back.
    await service.inventory.release(orderId);
    expect(await stockOf(service, product.id)).toBe(5);
  });

  it('when the order was never placed, then its reservation is released as before', async () => {
    const product = await createProduct(service, { stock: 5 });
    const orderId = newOrderId();
    await reserve({ orderId, items: [{ productId: product.id, quantity: 3 }] }).expect(201);
    await markPlaced(newOrderId());

    await release(orderId).expect(200);

    expect(await stockOf(service, product.id)).toBe(5);
  });
});

describe('database commands', () => {
  /** Commands product-service sent so far, from its own metrics (every command is timed). */
  async function commandsSent(): Promise<number> {
    const text = (await service.http.get('/metrics')).text;
    return [...text.matchAll(/^mongodb_command_duration_seconds_count\{[^}]*\} (\d+)$/gm)].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
  }

  it('when an order is reserved, then it costs one command per line and one insert', async () => {
    const products = await Promise.all([1, 2, 3].map(() => createProduct(service, { stock: 5 })));
    const before = await commandsSent();
    expect(
      (await reserve({ orderId: newOrderId(), items: [{ productId: products[0]!.id, quantity: 1 }] })).status,
    ).toBe(201);
    const afterOne = await commandsSent();
    expect(afterOne - before).toBe(2);

    const items = products.map((product) => ({ productId: product.id, quantity: 1 }));
    expect((await reserve({ orderId: newOrderId(), items })).status).toBe(201);
    expect((await commandsSent()) - afterOne).toBe(4);
  });

  it('when the sweep flushes the markers of many orders, then that is one command', async () => {
    const products = await Promise.all([1, 2].map(() => createProduct(service, { stock: 5 })));
    await service.sweep.flushMarkers();
    for (const product of [...products, ...products]) {
      await reserve({ orderId: newOrderId(), items: [{ productId: product.id, quantity: 1 }] });
    }
    const before = await commandsSent();
    await service.sweep.flushMarkers();
    expect((await commandsSent()) - before).toBe(1);
    expect(await holdsOf(products[0]!.id)).toEqual([]);
    expect(await holdsOf(products[1]!.id)).toEqual([]);
  });
});
