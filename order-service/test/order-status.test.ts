import { describe, expect, it } from 'vitest';
import { type Harness, tokenFor } from './support/order-service';
import type { ProductStub } from './support/product-stub';
import { useStubbedOrderService } from './support/stacks';

let stub: ProductStub;
let orders: Harness;
const admin = tokenFor('admin');
useStubbedOrderService((started) => ({ stub, orders } = started));

async function placeOrder(owner = tokenFor()) {
  const product = stub.addProduct(10);
  const response = await orders.http
    .post('/orders')
    .set('Authorization', owner.auth)
    .send({ items: [{ productId: product, quantity: 1 }] });
  expect(response.status).toBe(201);
  return { id: response.body.id as string, owner };
}

const setStatus = (id: string, auth: string, status: string) =>
  orders.http.put(`/orders/${id}/status`).set('Authorization', auth).send({ status });

describe('PUT /orders/:id/status', () => {
  it('when an admin walks an order through its lifecycle, then each step is recorded in the history', async () => {
    const { id, owner } = await placeOrder();

    for (const status of ['confirmed', 'shipped', 'delivered']) {
      const response = await setStatus(id, admin.auth, status);
      expect(response.status).toBe(200);
      expect(response.body.status).toBe(status);
    }

    const order = await orders.http.get(`/orders/${id}`).set('Authorization', owner.auth);
    expect(order.body.statusHistory.map((entry: { status: string }) => entry.status)).toEqual([
      'pending',
      'confirmed',
      'shipped',
      'delivered',
    ]);
    expect(order.body.statusHistory.slice(1).map((entry: { by: string }) => entry.by)).toEqual(
      Array(3).fill(admin.user.id),
    );
  });

  it.each([
    ['pending', 'shipped', []],
    ['pending', 'delivered', []],
    ['pending', 'pending', []],
    ['confirmed', 'pending', ['confirmed']],
    ['shipped', 'cancelled', ['confirmed', 'shipped']],
    ['delivered', 'cancelled', ['confirmed', 'shipped', 'delivered']],
  ])(
    'when an admin moves a %s order to %s, then it is refused with 409 naming the current status',
    async (current, target, path) => {
      const { id } = await placeOrder();
      for (const status of path) await setStatus(id, admin.auth, status).expect(200);

      const response = await setStatus(id, admin.auth, target);

      expect(response.status).toBe(409);
      expect(response.body.error).toContain(current);
      expect(response.body.details).toMatchObject({ currentStatus: current });
      const stored = await orders.orderModel.findById(id).lean();
      expect(stored?.status).toBe(current);
      expect(stored?.statusHistory).toHaveLength(path.length + 1);
    },
  );

  it('when the owner cancels a pending order, then it is cancelled', async () => {
    const { id, owner } = await placeOrder();

    const response = await setStatus(id, owner.auth, 'cancelled');

    expect(response.status).toBe(200);
    expect(response.body.status).toBe('cancelled');
    expect(response.body.statusHistory.at(-1)).toMatchObject({ status: 'cancelled', by: owner.user.id });
  });

  it('when the owner tries to cancel a confirmed order, then it is refused with 409', async () => {
    const { id, owner } = await placeOrder();
    await setStatus(id, admin.auth, 'confirmed').expect(200);

    const response = await setStatus(id, owner.auth, 'cancelled');

    expect(response.status).toBe(409);
    expect(response.body.error).toMatch(/confirmed/);
    expect(response.body.details).toEqual({ currentStatus: 'confirmed' });
  });

  it('when the owner tries to confirm their own order, then it is refused with 403', async () => {
    const { id, owner } = await placeOrder();

    const response = await setStatus(id, owner.auth, 'confirmed');

    expect(response.status).toBe(403);
    expect((await orders.orderModel.findById(id).lean())?.status).toBe('pending');
  });

  it('when someone else touches an order, then it looks like it does not exist (404)', async () => {
    const { id } = await placeOrder();
    const stranger = tokenFor();

    const [get, items, put] = await Promise.all([
      orders.http.get(`/orders/${id}`).set('Authorization', stranger.auth),
      orders.http.get(`/orders/${id}/items`).set('Authorization', stranger.auth),
      setStatus(id, stranger.auth, 'cancelled'),
    ]);

    expect([get.status, items.status, put.status]).toEqual([404, 404, 404]);
    expect((await orders.orderModel.findById(id).lean())?.status).toBe('pending');
  });

  it('when the status is not one we know, then it is refused with 400', async () => {
    const { id } = await placeOrder();

    const response = await setStatus(id, admin.auth, 'lost');

    expect(response.status).toBe(400);
    expect(response.body.details[0].path).toBe('status');
  });

  it('when the same order is cancelled five times at once, then exactly one cancellation applies', async () => {
    const { id } = await placeOrder();

    const responses = await Promise.all(
      Array.from({ length: 5 }, () => setStatus(id, admin.auth, 'cancelled')),
    );

    expect(responses.map((response) => response.status).sort()).toEqual([200, 409, 409, 409, 409]);
    const stored = await orders.orderModel.findById(id).lean();
    expect(stored?.statusHistory.filter((entry) => entry.status === 'cancelled')).toHaveLength(1);
  });

  it('when many transitions race on one order, then every accepted one is in the history and none is lost', async () => {
    const { id } = await placeOrder();
    const targets = ['confirmed', 'shipped', 'delivered', 'cancelled'];

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) => setStatus(id, admin.auth, targets[index % targets.length]!)),
    );

    const accepted = responses
      .filter((response) => response.status === 200)
      .map((response) => response.body.status);
    expect(responses.every((response) => [200, 409].includes(response.status))).toBe(true);
    const stored = await orders.orderModel.findById(id).lean();
    const history = stored!.statusHistory.map((entry) => entry.status);
    expect(history.slice(1).sort()).toEqual([...accepted].sort());
    expect(stored?.status).toBe(history.at(-1));
    // Every step of the history is a legal one.
    const legal = new Set([
      'pending>confirmed',
      'pending>cancelled',
      'confirmed>shipped',
      'confirmed>cancelled',
      'shipped>delivered',
    ]);
    history.slice(1).forEach((status, index) => expect(legal).toContain(`${history[index]}>${status}`));
  });

  it('when a confirm and a cancel race, then both apply in some order and neither is lost', async () => {
    const { id } = await placeOrder();

    const [confirm, cancel] = await Promise.all([
      setStatus(id, admin.auth, 'confirmed'),
      setStatus(id, admin.auth, 'cancelled'),
    ]);

    // pending→confirmed→cancelled and pending→cancelled (then confirm is illegal) are the two outcomes.
    const stored = await orders.orderModel.findById(id).lean();
    const history = stored!.statusHistory.map((entry) => entry.status);
    expect(stored?.status).toBe('cancelled');
    if (confirm.status === 200) {
      expect(cancel.status).toBe(200);
      expect(history).toEqual(['pending', 'confirmed', 'cancelled']);
    } else {
      expect(confirm.status).toBe(409);
      expect(history).toEqual(['pending', 'cancelled']);
    }
  });
});

describe('GET /orders', () => {
  it('when a customer lists orders, then only their own come back, newest first and paginated', async () => {
    const me = tokenFor();
    const placed = [];
    for (let index = 0; index < 3; index += 1) placed.push((await placeOrder(me)).id);
    await placeOrder();

    const firstPage = await orders.http.get('/orders?limit=2').set('Authorization', me.auth);
    const secondPage = await orders.http.get('/orders?limit=2&page=2').set('Authorization', me.auth);

    expect(firstPage.status).toBe(200);
    expect(firstPage.body).toMatchObject({ page: 1, limit: 2, total: 3, pages: 2 });
    expect(firstPage.body.items.map((order: { id: string }) => order.id)).toEqual([placed[2], placed[1]]);
    expect(secondPage.body.items.map((order: { id: string }) => order.id)).toEqual([placed[0]]);
  });

  it("when a customer asks for another user's orders, then it is refused with 403", async () => {
    const response = await orders.http
      .get(`/orders?userId=${tokenFor().user.id}`)
      .set('Authorization', tokenFor().auth);

    expect(response.status).toBe(403);
  });

  it('when an admin filters by user and status, then exactly the matching orders come back', async () => {
    const customer = tokenFor();
    const kept = await placeOrder(customer);
    const cancelled = await placeOrder(customer);
    await setStatus(cancelled.id, customer.auth, 'cancelled').expect(200);

    const all = await orders.http.get(`/orders?userId=${customer.user.id}`).set('Authorization', admin.auth);
    const pending = await orders.http
      .get(`/orders?userId=${customer.user.id}&status=pending`)
      .set('Authorization', admin.auth);

    expect(all.body.total).toBe(2);
    expect(pending.body.items.map((order: { id: string }) => order.id)).toEqual([kept.id]);
  });

  it('when the query has unknown or operator keys, then it is refused with 400', async () => {
    const response = await orders.http.get('/orders?status[$ne]=pending').set('Authorization', admin.auth);

    expect(response.status).toBe(400);
  });
});

describe('GET /orders/:id/items', () => {
  it('when the owner asks for the items, then they come back with prices and line totals', async () => {
    const owner = tokenFor();
    const product = stub.addProduct(10, 1.15, 'Pencil');
    const placed = await orders.http
      .post('/orders')
      .set('Authorization', owner.auth)
      .send({ items: [{ productId: product, quantity: 3 }] });

    const response = await orders.http
      .get(`/orders/${placed.body.id}/items`)
      .set('Authorization', owner.auth);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      orderId: placed.body.id,
      items: [{ productId: product, productName: 'Pencil', quantity: 3, unitPrice: 1.15, lineTotal: 3.45 }],
    });
  });

  it('when the id is not an ObjectId, then it is refused with 400', async () => {
    const response = await orders.http.get('/orders/not-an-id/items').set('Authorization', admin.auth);

    expect(response.status).toBe(400);
  });
});
