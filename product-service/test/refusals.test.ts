/**
 * Every refusal's exact answer (status, message, details, headers) and the metric outcome it is
 * counted under: order-service and clients parse these, so they stay byte for byte what they are.
 */
import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import {
  createCategory,
  createProduct,
  newOrderId,
  type TestService,
  useProductService,
  storedProducts,
  storedReservations,
} from './support/product-service';

let service: TestService;
useProductService((started) => (service = started), { orderWaitMs: 300 });

const MISSING_ID = '0123456789abcdef01234567';
const admin = () => service.adminAuth;

const reserve = (orderId: string, items: Array<{ productId: string; quantity: number }>) =>
  service.http
    .post('/inventory/reservations')
    .set('X-Internal-Token', service.internalToken)
    .send({ orderId, items });
const release = (orderId: string) =>
  service.http.delete(`/inventory/reservations/${orderId}`).set('X-Internal-Token', service.internalToken);

/** The refusal's body without what differs per request (timestamp, requestId, traceId). */
function refusal(response: { status: number; body: Record<string, unknown> }) {
  const { error, details, status } = response.body;
  return details === undefined ? { status, error } : { status, error, details };
}

/** A counter's value in /metrics, 0 when the label set has not been counted yet. */
async function counted(name: string, outcome: string): Promise<number> {
  const text = (await service.http.get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`outcome="${outcome}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('catalog refusals', () => {
  it('when a product is missing, then 404 "Product not found" for a read, a change and a delete', async () => {
    const expected = { status: 404, error: 'Product not found' };
    expect(refusal(await service.http.get(`/products/${MISSING_ID}`))).toEqual(expected);
    const patched = await service.http
      .patch(`/products/${MISSING_ID}`)
      .set('Authorization', admin())
      .send({ price: 1 });
    expect(refusal(patched)).toEqual(expected);
    const deleted = await service.http.delete(`/products/${MISSING_ID}`).set('Authorization', admin());
    expect(refusal(deleted)).toEqual(expected);
  });

  it('when a SKU is taken or a category unknown, then 409 and 422 with their exact messages', async () => {
    const sku = `REF-${new Types.ObjectId().toHexString()}`;
    const first = await createProduct(service, { sku });
    const duplicate = await service.http
      .post('/products')
      .set('Authorization', admin())
      .send({ name: 'Twin', price: 1, stock: 1, category: first.category, sku });
    expect(refusal(duplicate)).toEqual({ status: 409, error: 'A product with this SKU already exists' });

    const unknown = await service.http
      .post('/products')
      .set('Authorization', admin())
      .send({ name: 'Lost', price: 1, stock: 1, category: 'Nowhere' });
    expect(refusal(unknown)).toEqual({
      status: 422,
      error: 'Unknown category',
      details: [
        {
          path: 'category',
          message: 'no category named "Nowhere"; create it first with POST /categories',
        },
      ],
    });
  });

  it('when a category is missing, taken or still has products, then 404, 409 and 409 with the count', async () => {
    expect(refusal(await service.http.get(`/categories/${MISSING_ID}`))).toEqual({
      status: 404,
      error: 'Category not found',
    });
    const category = await createCategory(service);
    const taken = await service.http
      .post('/categories')
      .set('Authorization', admin())
      .send({ name: category.name.toUpperCase() });
    expect(refusal(taken)).toEqual({ status: 409, error: 'A category with this name already exists' });

    await createProduct(service, { category: category.name });
    const blocked = await service.http.delete(`/categories/${category.id}`).set('Authorization', admin());
    expect(refusal(blocked)).toEqual({
      status: 409,
      error: 'Category still has products; move or delete them first',
      details: { products: 1 },
    });
  });
});

describe('reservation refusals', () => {
  it('when no reservation exists, then 404 "No reservation for this order"', async () => {
    const response = await service.http
      .get(`/inventory/reservations/${newOrderId()}`)
      .set('X-Internal-Token', service.internalToken);
    expect(refusal(response)).toEqual({ status: 404, error: 'No reservation for this order' });
  });

  it('when products are unknown or short, then 422 "unavailable" and 409 "insufficient_stock", counted so', async () => {
    const product = await createProduct(service, { stock: 1 });
    const unavailableBefore = await counted('inventory_reservations_total', 'unavailable');
    const missing = await reserve(newOrderId(), [{ productId: MISSING_ID, quantity: 1 }]);
    expect(refusal(missing)).toEqual({
      status: 422,
      error: 'Some products cannot be ordered',
      details: { reason: 'unavailable', items: [{ productId: MISSING_ID, reason: 'not_found' }] },
    });
    expect(await counted('inventory_reservations_total', 'unavailable')).toBe(unavailableBefore + 1);

    const shortBefore = await counted('inventory_reservations_total', 'insufficient_stock');
    const short = await reserve(newOrderId(), [{ productId: product.id, quantity: 2 }]);
    expect(refusal(short)).toEqual({
      status: 409,
      error: 'Insufficient stock',
      details: {
        reason: 'insufficient_stock',
        items: [{ productId: product.id, requested: 2, available: 1 }],
      },
    });
    expect(await counted('inventory_reservations_total', 'insufficient_stock')).toBe(shortBefore + 1);
  });

  it('when an order id is reused or was released, then 422 "order_id_reused" and 409 "released"', async () => {
    const product = await createProduct(service, { stock: 5 });
    const orderId = newOrderId();
    await reserve(orderId, [{ productId: product.id, quantity: 1 }]).expect(201);
    const reusedBefore = await counted('inventory_reservations_total', 'order_id_reused');
    expect(refusal(await reserve(orderId, [{ productId: product.id, quantity: 2 }]))).toEqual({
      status: 422,
      error: 'This orderId already has a reservation with other items',
      details: { reason: 'order_id_reused' },
    });
    expect(await counted('inventory_reservations_total', 'order_id_reused')).toBe(reusedBefore + 1);

    await release(orderId).expect(200);
    const releasedBefore = await counted('inventory_reservations_total', 'released');
    expect(refusal(await reserve(orderId, [{ productId: product.id, quantity: 1 }]))).toEqual({
      status: 409,
      error: 'The reservation for this order was released; use a new orderId',
      details: { reason: 'released' },
    });
    expect(await counted('inventory_reservations_total', 'released')).toBe(releasedBefore + 1);
  });

  it('when a placed order is released through the route, then 409 "order_placed", counted so', async () => {
    const product = await createProduct(service, { stock: 5 });
    const orderId = newOrderId();
    await reserve(orderId, [{ productId: product.id, quantity: 1 }]).expect(201);
    const before = await counted('inventory_releases_total', 'order_placed');
    // What reading the order's signed order.created does (see the order-events tests).
    await storedReservations(service).updateOne({ _id: orderId }, { $set: { placed: true } });
    expect(refusal(await release(orderId))).toEqual({
      status: 409,
      error: 'The order was placed: its reservation goes back when the order is cancelled, not on request',
      details: { reason: 'order_placed' },
    });
    expect(await counted('inventory_releases_total', 'order_placed')).toBe(before + 1);
  });

  it('when another call of the order holds units past the wait, then 503 "busy" with Retry-After 1', async () => {
    const product = await createProduct(service, { stock: 3 });
    const orderId = newOrderId();
    // What a take of the same order in flight leaves on the product: its marker, with its units.
    await storedProducts(service).updateOne(
      { _id: new Types.ObjectId(product.id) },
      {
        $inc: { stock: -1 },
        $push: { holds: { orderId, call: 'other-call', quantity: 1, at: new Date() } },
      },
    );
    const before = await counted('inventory_reservations_total', 'busy');
    const response = await reserve(orderId, [{ productId: product.id, quantity: 1 }]);
    expect(refusal(response)).toEqual({
      status: 503,
      error: 'Inventory is busy with this order, retry shortly',
    });
    expect(response.headers['retry-after']).toBe('1');
    expect(await counted('inventory_reservations_total', 'busy')).toBe(before + 1);
  });
});
