import { importOrders } from '@ecom/order-service';
import { describe, expect, it } from 'vitest';
import { type Harness, tokenFor } from './support/order-service';
import type { ProductStub } from './support/product-stub';
import { useStubbedOrderService } from './support/stacks';

let stub: ProductStub;
let orders: Harness;
useStubbedOrderService((started) => ({ stub, orders } = started));

const shirt = {
  productId: 'aaaaaaaaaaaaaaaaaaaaaaaa',
  productName: 'T-shirt',
  unitPrice: 19.99,
  quantity: 3,
};
const mug = { productId: 'bbbbbbbbbbbbbbbbbbbbbbbb', productName: 'Mug', unitPrice: 0.1, quantity: 3 };

describe("importOrders (the load tool's bulk import)", () => {
  it("when a customer's orders are imported, then GET /orders lists them with their totals, newest first", async () => {
    const customer = tokenFor();
    const someoneElse = tokenFor();

    const { orderIds } = await importOrders(orders.connection, [
      { userId: customer.user.id, items: [shirt, mug] },
      { userId: someoneElse.user.id, items: [mug] },
      { userId: customer.user.id, items: [{ ...mug, quantity: 1 }], currency: 'EUR', status: 'delivered' },
      { userId: customer.user.id, items: [shirt], status: 'cancelled' },
    ]);
    const response = await orders.http.get('/orders').set('Authorization', customer.auth);

    expect(orderIds).toHaveLength(4);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ page: 1, total: 3 });
    const listed = response.body.items;
    // One import, one creation time: the newer id comes first.
    expect(listed.map((order: { id: string }) => order.id)).toEqual([orderIds[3], orderIds[2], orderIds[0]]);
    expect(listed[2]).toMatchObject({
      userId: customer.user.id,
      status: 'pending',
      currency: 'USD',
      // 59.97 + 0.30, summed in cents.
      totalAmount: 60.27,
      items: [
        { ...shirt, lineTotal: 59.97 },
        { ...mug, lineTotal: 0.3 },
      ],
      statusHistory: [{ status: 'pending', by: customer.user.id }],
    });
    expect(listed[1]).toMatchObject({ status: 'delivered', currency: 'EUR', totalAmount: 0.1 });
    expect(listed[1].statusHistory.map((entry: { status: string }) => entry.status)).toEqual([
      'pending',
      'confirmed',
      'shipped',
      'delivered',
    ]);
    expect(listed[0]).toMatchObject({ status: 'cancelled', totalAmount: 59.97 });
    expect(listed[0].statusHistory.map((entry: { status: string }) => entry.status)).toEqual([
      'pending',
      'cancelled',
    ]);
  });

  it('when an order is imported, then it is stored as a placed order is, with nothing left to publish', async () => {
    const customer = tokenFor();
    const product = stub.addProduct(10, 19.99, 'T-shirt');
    const placed = await orders.http
      .post('/orders')
      .set('Authorization', customer.auth)
      .send({ items: [{ productId: product, quantity: 3 }] })
      .expect(201);

    const {
      orderIds: [imported],
    } = await importOrders(orders.connection, [
      { userId: customer.user.id, items: [{ ...shirt, productId: product }] },
    ]);

    const stored = await orders.orderModel.findById(imported).lean();
    const original = await orders.orderModel.findById(placed.body.id).lean();
    expect(Object.keys(stored!)).toEqual(Object.keys(original!));
    expect(stored).toMatchObject({
      items: original!.items,
      totalCents: 5997,
      statusHistory: [{ status: 'pending', by: customer.user.id }],
      outbox: [],
    });
    expect(stored!.createdAt).toEqual(stored!.updatedAt);
    const fetched = await orders.http.get(`/orders/${imported}`).set('Authorization', customer.auth);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({ items: placed.body.items, totalAmount: placed.body.totalAmount });
  });

  it('when a price is not a whole number of cents, then nothing is imported', async () => {
    const customer = tokenFor();

    await expect(
      importOrders(orders.connection, [
        { userId: customer.user.id, items: [shirt] },
        { userId: customer.user.id, items: [{ ...mug, unitPrice: 0.125 }] },
      ]),
    ).rejects.toThrow(RangeError);
    expect(await orders.orderModel.countDocuments({ userId: customer.user.id })).toBe(0);
  });
});
