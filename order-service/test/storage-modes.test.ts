/**
 * The order-service's races, once per storage mode (see startOrderService's storageMode):
 * `ferretdb` has a pool of 10 connections, so its in-process serialisation per document is what
 * keeps the guarded writes exact; `mongodb` sends them as they are over one connection, which
 * proves the stores need nothing but atomic single-document conditional writes (that MongoDB
 * makes them atomic across connections can only be shown on real MongoDB).
 * Measured: on FerretDB v1.24 (SQLite) this transition race did not go wrong even without the
 * serialisation (its findAndModify happens to be isolated); the product-service stock races are
 * the ones that fail without it. Here the ferretdb run shows the contract holds in that mode.
 */
import { describe, expect, it } from 'vitest';
import { type Harness, tokenFor } from './support/order-service';
import type { ProductStub } from './support/product-stub';
import { useStubbedOrderService } from './support/stacks';

describe.each(['ferretdb', 'mongodb'] as const)('%s storage mode', (storageMode) => {
  let stub: ProductStub;
  let orders: Harness;
  const admin = tokenFor('admin');
  useStubbedOrderService((started) => ({ stub, orders } = started), { storageMode });

  const post = (auth: string, productId: string, key?: string) => {
    const request = orders.http.post('/orders').set('Authorization', auth);
    if (key) request.set('Idempotency-Key', key);
    return request.send({ items: [{ productId, quantity: 1 }] });
  };
  const setStatus = (id: string, status: string) =>
    orders.http.put(`/orders/${id}/status`).set('Authorization', admin.auth).send({ status });

  it('when two transitions of one order race, then both are judged in turn and the history holds each once', async () => {
    const placed = await post(tokenFor().auth, stub.addProduct(10));
    expect(placed.status).toBe(201);
    const id = placed.body.id as string;

    const responses = await Promise.all([
      ...Array.from({ length: 25 }, () => setStatus(id, 'confirmed')),
      ...Array.from({ length: 25 }, () => setStatus(id, 'cancelled')),
    ]);

    const stored = await orders.service.models.orders.findById(id).lean();
    const history = stored!.statusHistory.map((entry) => entry.status);
    expect(responses.filter((response) => response.status === 200).length).toBe(history.length - 1);
    expect(responses.every((response) => [200, 409].includes(response.status))).toBe(true);
    expect(history.filter((status) => status === 'cancelled')).toHaveLength(1);
    expect(history.filter((status) => status === 'confirmed').length).toBeLessThanOrEqual(1);
    expect(stored?.status).toBe('cancelled');
    // Events follow the history: order.created, one status_changed per accepted step, one cancelled
    // (at-least-once delivery: counted by event id).
    const eventIds = async () => {
      const entries = await orders.redis.xrange(orders.stream, '-', '+');
      const mine = entries.filter(([, fields]) => fields[fields.indexOf('orderId') + 1] === id);
      return new Set(mine.map(([, fields]) => fields[fields.indexOf('id') + 1])).size;
    };
    await expect.poll(eventIds, { timeout: 5_000 }).toBe(history.length + 1);
  });

  it('when one Idempotency-Key arrives many times at once, then one order is placed and every answer is it', async () => {
    const product = stub.addProduct(100);
    const { user, auth } = tokenFor();
    const key = `race-${Date.now()}`;

    const responses = await Promise.all(Array.from({ length: 10 }, () => post(auth, product, key)));

    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(201));
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
    expect(stub.stockOf(product)).toBe(99);
    expect(await orders.service.models.orders.countDocuments({ userId: user.id })).toBe(1);
  });

  it("when a customer lists their orders, then they see only theirs, newest first, and an admin's ?userId= sees the same", async () => {
    const product = stub.addProduct(100);
    const customer = tokenFor();
    const placed: string[] = [];
    for (let n = 0; n < 3; n += 1) placed.push((await post(customer.auth, product)).body.id as string);
    await post(tokenFor().auth, product);

    const mine = await orders.http.get('/orders?limit=2').set('Authorization', customer.auth);
    const asAdmin = await orders.http
      .get(`/orders?userId=${customer.user.id}&limit=2&page=2`)
      .set('Authorization', admin.auth);

    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ page: 1, limit: 2, total: 3, pages: 2 });
    expect(mine.body.items.map((order: { id: string }) => order.id)).toEqual([placed[2], placed[1]]);
    expect(asAdmin.body.items.map((order: { id: string }) => order.id)).toEqual([placed[0]]);
  });
});
