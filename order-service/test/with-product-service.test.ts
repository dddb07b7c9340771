/** order-service against the real product-service (in-process, own database, same Redis). */
import { uniqueName } from '@ecom/test-support';
import { describe, expect, it } from 'vitest';
import { eventually, type Harness, unplacedHolds, streamEntries, tokenFor } from './support/order-service';
import type { RealProductService } from './support/real-product-service';
import { useRealProductStack } from './support/stacks';

const stream = `events:orders:${uniqueName('real_')}`;
let products: RealProductService;
let orders: Harness;

// 200 reservations of one product queue behind each other on a busy 2-core machine: the order-service gets the patience to decide every one of them instead of timing out.
useRealProductStack((started) => ({ products, orders } = started), { stream, productTimeoutMs: 60_000 });

const order = (auth: string, productId: string, quantity: number) =>
  orders.http
    .post('/orders')
    .set('Authorization', auth)
    .send({ items: [{ productId, quantity }] });

describe('with the real product-service', () => {
  it('when an order is placed, then it carries the name and price product-service charged', async () => {
    const productId = await products.addProduct(10, 29.99);

    const response = await order(tokenFor().auth, productId, 2);

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      status: 'pending',
      totalAmount: 59.98,
      items: [{ productId, quantity: 2, unitPrice: 29.99, lineTotal: 59.98 }],
    });
    expect(response.body.items[0].productName).toMatch(/^Product-/);
    expect(await products.stockOf(productId)).toBe(8);
  });

  it('when the stock is too low or the product unknown, then 409 or 422 with details and stock unchanged', async () => {
    const productId = await products.addProduct(3);
    const { auth } = tokenFor();

    const tooMany = await order(auth, productId, 4);
    const unknown = await order(auth, '0123456789abcdef01234567', 1);

    expect(tooMany.status).toBe(409);
    expect(tooMany.body.details).toEqual([{ productId, requested: 4, available: 3 }]);
    expect(unknown.status).toBe(422);
    expect(unknown.body.details).toEqual([
      expect.objectContaining({ productId: '0123456789abcdef01234567' }),
    ]);
    expect(await products.stockOf(productId)).toBe(3);
  });

  // The probe: with the internal token, a release of a pending order's reservation put its stock back on sale.
  it("when a pending order's reservation is released through the internal route, then 409 and its stock stays taken until the order is cancelled", async () => {
    const productId = await products.addProduct(10);
    const customer = tokenFor();
    const placed = await order(customer.auth, productId, 4).expect(201);
    const release = () =>
      fetch(`${products.url}/inventory/reservations/${placed.body.id}`, {
        method: 'DELETE',
        headers: { 'X-Internal-Token': products.internalToken },
      });

    // The mark comes with product-service reading the order's order.created (see the README for the window).
    await eventually(() => products.isPlaced(placed.body.id));
    const refused = await release();

    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { details: unknown }).details).toEqual({ reason: 'order_placed' });
    expect(await products.stockOf(productId)).toBe(6);
    await orders.http
      .put(`/orders/${placed.body.id}/status`)
      .set('Authorization', customer.auth)
      .send({ status: 'cancelled' })
      .expect(200);
    await eventually(async () => (await products.stockOf(productId)) === 10);
  });

  it('when 200 customers order one each of a product with stock 50 at once, then exactly 50 orders exist and stock is 0', async () => {
    const productId = await products.addProduct(50, 7.5);
    const before = await orders.orderModel.countDocuments({ 'items.productId': productId });

    const responses = await Promise.all(
      Array.from({ length: 200 }, () => order(tokenFor().auth, productId, 1)),
    );

    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(50);
    expect(statuses.filter((status) => status === 409)).toHaveLength(150);
    for (const refused of responses.filter((response) => response.status === 409)) {
      expect(refused.body).toMatchObject({
        status: 409,
        details: [{ productId, requested: 1, available: 0 }],
      });
    }
    expect(await products.stockOf(productId)).toBe(0);
    const saved = await orders.orderModel.find({ 'items.productId': productId }).lean();
    expect(saved.length - before).toBe(50);
    const ordered = saved.flatMap((doc) => doc.items).reduce((sum, item) => sum + item.quantity, 0);
    expect(ordered).toBe(50);
    expect(await unplacedHolds(orders)).toBe(0);
  }, 120_000);

  it('when an order is cancelled while product-service is down, then the cancel succeeds and the stock returns exactly once when it is back', async () => {
    const productId = await products.addProduct(10);
    const owner = tokenFor();
    const placed = await order(owner.auth, productId, 3);
    expect(placed.status).toBe(201);
    expect(await products.stockOf(productId)).toBe(7);

    await products.stop();
    const cancel = await orders.http
      .put(`/orders/${placed.body.id}/status`)
      .set('Authorization', owner.auth)
      .send({ status: 'cancelled' });

    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('cancelled');
    const cancelledEvents = async () =>
      (await streamEntries(orders.redis, stream)).filter(
        (entry) => entry.orderId === placed.body.id && entry.type === 'order.cancelled',
      );
    await eventually(async () => (await cancelledEvents()).length === 1);
    expect(await products.stockOf(productId)).toBe(7);

    await products.start();
    await eventually(async () => (await products.stockOf(productId)) === 10, 20_000);

    // At-least-once delivery: the same event arriving again must not restore the stock twice.
    const [duplicate] = await cancelledEvents();
    const duplicateId = await orders.redis.xadd(stream, '*', ...Object.entries(duplicate!).flat());
    await eventually(async () => {
      const [group] = (await orders.redis.xinfo('GROUPS', stream)) as unknown[][];
      const fields = Object.fromEntries(
        Array.from({ length: group!.length / 2 }, (_, index) => [group![index * 2], group![index * 2 + 1]]),
      );
      return fields['last-delivered-id'] === duplicateId && fields.pending === 0;
    });
    expect(await products.stockOf(productId)).toBe(10);
  });
});
