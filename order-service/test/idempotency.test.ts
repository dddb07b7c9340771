import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { keyHash } from '../src/holds/hold-store';
import { type Harness, tokenFor } from './support/order-service';
import type { ProductStub } from './support/product-stub';
import { useStubbedOrderService } from './support/stacks';

let stub: ProductStub;
let orders: Harness;
useStubbedOrderService((started) => ({ stub, orders } = started));

let keys = 0;
const newKey = () => `key-${Date.now()}-${(keys += 1)}`;

function post(auth: string, key: string | undefined, items: Array<{ productId: string; quantity: number }>) {
  const request = orders.http.post('/orders').set('Authorization', auth);
  if (key !== undefined) request.set('Idempotency-Key', key);
  return request.send({ items });
}

const ordersOf = (userId: string) => orders.orderModel.countDocuments({ userId });

describe('Idempotency-Key on POST /orders', () => {
  it('when the same request is repeated with the same key, then the original response is replayed without a second reservation', async () => {
    const product = stub.addProduct(10, 4.5);
    const { user, auth } = tokenFor();
    const key = newKey();
    const items = [{ productId: product, quantity: 2 }];

    const first = await post(auth, key, items);
    const second = await post(auth, key, items);

    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(stub.stockOf(product)).toBe(8);
    expect(stub.calls.reserve.filter((id) => id === first.body.id)).toHaveLength(1);
    expect(await ordersOf(user.id)).toBe(1);
    const stored = await orders.orderModel.findById(first.body.id).lean();
    expect(stored?.idempotencyKey).toBe(key);
  });

  it('when the replayed order changed status since, then the order as it is now comes back', async () => {
    const product = stub.addProduct(10);
    const { auth } = tokenFor();
    const key = newKey();
    const items = [{ productId: product, quantity: 1 }];
    const first = await post(auth, key, items);
    await orders.http
      .put(`/orders/${first.body.id}/status`)
      .set('Authorization', auth)
      .send({ status: 'cancelled' });

    const replay = await post(auth, key, items);

    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
    expect(replay.body.status).toBe('cancelled');
    expect(stub.calls.reserve.filter((id) => id === first.body.id)).toHaveLength(1);
  });

  it('when the same lines come in another order or split, then it is still the same request', async () => {
    const a = stub.addProduct(10);
    const b = stub.addProduct(10);
    const { auth } = tokenFor();
    const key = newKey();

    const first = await post(auth, key, [
      { productId: a, quantity: 2 },
      { productId: b, quantity: 1 },
    ]);
    const second = await post(auth, key, [
      { productId: b, quantity: 1 },
      { productId: a, quantity: 1 },
      { productId: a, quantity: 1 },
    ]);

    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
  });

  it('when the same key comes with a different body, then it is refused with 422 and nothing is reserved', async () => {
    const product = stub.addProduct(10);
    const { user, auth } = tokenFor();
    const key = newKey();
    await post(auth, key, [{ productId: product, quantity: 1 }]);

    const response = await post(auth, key, [{ productId: product, quantity: 5 }]);

    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ status: 422, error: expect.stringMatching(/Idempotency-Key/) });
    expect(stub.stockOf(product)).toBe(9);
    expect(await ordersOf(user.id)).toBe(1);
  });

  it('when another user sends the same key, then it is their own independent order', async () => {
    const product = stub.addProduct(10);
    const key = newKey();
    const items = [{ productId: product, quantity: 1 }];

    const mine = await post(tokenFor().auth, key, items);
    const theirs = await post(tokenFor().auth, key, items);

    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(stub.stockOf(product)).toBe(8);
  });

  it('when many identical requests arrive at once, then exactly one order is created and all get its response', async () => {
    const product = stub.addProduct(100, 3);
    const { user, auth } = tokenFor();
    const key = newKey();
    const items = [{ productId: product, quantity: 2 }];

    const responses = await Promise.all(Array.from({ length: 10 }, () => post(auth, key, items)));

    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(201));
    const ids = new Set(responses.map((response) => response.body.id));
    expect(ids.size).toBe(1);
    expect(responses.filter((response) => response.headers['idempotent-replayed'] === 'true')).toHaveLength(
      9,
    );
    expect(stub.stockOf(product)).toBe(98);
    expect(await ordersOf(user.id)).toBe(1);
    expect(await orders.orderModel.countDocuments({ requestKey: `${user.id}:${key}` })).toBe(1);
    expect(stub.calls.reserve).toHaveLength(new Set(stub.calls.reserve).size);
  });

  it('when the first attempt was refused, then the key is free and a retry can succeed', async () => {
    const product = stub.addProduct(1);
    const { user, auth } = tokenFor();
    const key = newKey();
    const items = [{ productId: product, quantity: 2 }];

    const refused = await post(auth, key, items);
    stub.restock(product, 5);
    const retried = await post(auth, key, items);

    expect(refused.status).toBe(409);
    expect(retried.status).toBe(201);
    expect(await ordersOf(user.id)).toBe(1);
  });

  it('when the key is older than 24 hours, then it no longer replays and a new order is placed', async () => {
    const product = stub.addProduct(10);
    const { user, auth } = tokenFor();
    const key = newKey();
    const items = [{ productId: product, quantity: 1 }];
    const first = await post(auth, key, items);
    await orders.orderModel.collection.updateOne(
      { _id: new Types.ObjectId(first.body.id as string) },
      { $set: { createdAt: new Date(Date.now() - 25 * 3_600_000) } },
    );

    const second = await post(auth, key, items);

    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body.id).not.toBe(first.body.id);
    expect(await ordersOf(user.id)).toBe(2);
  });

  it('when the holder of a key died before saving its order, then a retry gives its stock back and places the order', async () => {
    const product = stub.addProduct(10);
    const { user, auth } = tokenFor();
    const key = newKey();
    const items = [{ productId: product, quantity: 1 }];
    // What a crash between reserving and saving leaves: the hold entry (with the key), the stock taken.
    const dead = Types.ObjectId.createFromTime(Math.floor(Date.now() / 1_000) - 3_600).toHexString();
    await orders.service.holdStore.claim(user.id, dead, 1, 1_000, { keyHash: keyHash(key) });
    await orders.service.inventory.reserve(dead, items);
    expect(stub.stockOf(product)).toBe(9);

    const retry = await post(auth, key, items);

    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body.id).not.toBe(dead);
    expect(stub.calls.release).toContain(dead);
    expect(stub.stockOf(product)).toBe(9);
    expect(await ordersOf(user.id)).toBe(1);
    expect((await orders.service.holdStore.heldOrders(user.id)).map((held) => held.orderId)).toEqual([
      retry.body.id,
    ]);
  });

  it('when the key header is malformed, then the request is refused with 400', async () => {
    const product = stub.addProduct(10);

    const response = await post(tokenFor().auth, 'has spaces in it', [{ productId: product, quantity: 1 }]);

    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(/Idempotency-Key/);
    expect(stub.stockOf(product)).toBe(10);
  });
});
