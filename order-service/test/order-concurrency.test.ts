/**
 * Races on orders over three order-service instances on one database, each with a pool of 20
 * connections, as replicas behind a load balancer would be: only the server's atomic conditional
 * writes keep status changes, idempotency keys and the pending-units cap exact.
 */
import { type PoolUsage, uniqueName, watchPoolUsage, watchTransactions } from '@ecom/test-support';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyHash } from '../src/holds/hold-store';
import { type Harness, startOrderService, streamEntries, tokenFor } from './support/order-service';
import { type ProductStub, startProductStub } from './support/product-stub';

const INSTANCES = 3;
const CAP = 5;

describe('order races over several instances', () => {
  let stub: ProductStub;
  const instances: Harness[] = [];
  const transactions = watchTransactions();
  let pools: PoolUsage;
  const admin = tokenFor('admin');

  beforeAll(async () => {
    stub = await startProductStub();
    const shared = { database: uniqueName('orders_'), stream: `events:orders:${uniqueName('race_')}` };
    // Together, as replicas start: their index builds race on one collection (see ensureIndexes).
    const start = () =>
      startOrderService({
        productServiceUrl: stub.url,
        internalToken: stub.token,
        database: shared.database,
        poolSize: 20,
        settings: { stream: shared.stream, maxPendingUnitsPerUser: CAP },
      });
    instances.push(...(await Promise.all(Array.from({ length: INSTANCES }, start))));
    pools = watchPoolUsage(instances.map((instance) => instance.connection.getClient()));
  });

  afterAll(async () => {
    transactions.restore();
    await instances[0]?.connection.dropDatabase().catch(() => undefined);
    for (const instance of instances) await instance.close();
    await stub?.stop();
  });

  const replica = (i: number) => instances[i % INSTANCES]!;
  const orderModel = () => instances[0]!.orderModel;
  const post = (i: number, auth: string, productId: string, key?: string) => {
    const request = replica(i).http.post('/orders').set('Authorization', auth);
    if (key) request.set('Idempotency-Key', key);
    return request.send({ items: [{ productId, quantity: 1 }] });
  };
  const setStatus = (i: number, id: string, status: string) =>
    replica(i).http.put(`/orders/${id}/status`).set('Authorization', admin.auth).send({ status });

  // A read-then-write transition (read the status, judge it, then update by _id alone) lets two
  // racers judge the same status: a second "confirmed" or "cancelled" would enter the history, or
  // one accepted change would be overwritten and missing from it.
  it('when confirms and cancels of twenty orders race over the instances, then every accepted change is in the history once and none is lost', async () => {
    const product = stub.addProduct(100);
    const ids: string[] = [];
    for (let n = 0; n < 20; n += 1) ids.push((await post(n, tokenFor().auth, product)).body.id as string);

    const responses = await Promise.all(
      ids.flatMap((id) =>
        Array.from({ length: 30 }, (_, i) =>
          setStatus(i, id, i % 2 === 0 ? 'confirmed' : 'cancelled').then((response) => ({ id, response })),
        ),
      ),
    );

    expect(responses.every(({ response }) => [200, 409].includes(response.status))).toBe(true);
    for (const id of ids) {
      const stored = await orderModel().findById(id).lean();
      const history = stored!.statusHistory.map((entry) => entry.status);
      const accepted = responses.filter((r) => r.id === id && r.response.status === 200).length;
      expect(accepted).toBe(history.length - 1);
      expect(history.filter((status) => status === 'cancelled')).toHaveLength(1);
      expect(history.filter((status) => status === 'confirmed').length).toBeLessThanOrEqual(1);
      expect(stored?.status).toBe('cancelled');
    }
    // Events follow the history: order.created and one per accepted change (deduplicated by event id).
    const eventsOf = async (id: string) =>
      new Set(
        (await streamEntries(instances[0]!.redis, instances[0]!.stream))
          .filter((entry) => entry.orderId === id)
          .map((entry) => entry.id),
      ).size;
    for (const id of ids) {
      const stored = await orderModel().findById(id).lean();
      await expect.poll(() => eventsOf(id), { timeout: 10_000 }).toBe(stored!.statusHistory.length + 1);
    }
  });

  // The key's owner is decided by the tally's conditional write (and the orders' unique request
  // key): a look-then-insert would let several racers find no key and each place an order.
  it('when one Idempotency-Key arrives 30 times at once over the instances, then one order is placed and every answer is it', async () => {
    const product = stub.addProduct(100);
    const { user, auth } = tokenFor();
    const key = `race-${uniqueName('k')}`;

    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => post(i, auth, product, key)));

    expect(responses.map((response) => response.status)).toEqual(Array(30).fill(201));
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
    expect(stub.stockOf(product)).toBe(99);
    expect(await orderModel().countDocuments({ userId: user.id })).toBe(1);
  });

  // Giving back a dead holder's entry is a write filtered by that entry, and the key is claimed
  // again by the tally's conditional write: a read-then-write takeover would let several retries
  // each claim the key with an order id of their own and each place an order.
  it('when 30 retries of a key whose holder died race over the instances, then exactly one takes it over and places the order', async () => {
    const product = stub.addProduct(100);
    const { user, auth } = tokenFor();
    const key = `dead-${uniqueName('k')}`;
    // What a holder that died before saving its order leaves: its entry, past the grace period.
    const dead = Types.ObjectId.createFromTime(Math.floor(Date.now() / 1_000) - 3_600).toHexString();
    await instances[0]!.service.holdStore.claim(user.id, dead, 1, CAP, { keyHash: keyHash(key) });

    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => post(i, auth, product, key)));

    expect(responses.map((response) => response.status)).toEqual(Array(30).fill(201));
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
    expect(await orderModel().countDocuments({ userId: user.id })).toBe(1);
    expect(stub.stockOf(product)).toBe(99);
  });

  // The cap is an update filtered by `units <= cap - n`: a read-then-write tally would let racers
  // that all read a low total each add their units, past the cap.
  it(`when one customer sends 30 one-unit orders at once over the instances, then exactly ${CAP} are placed`, async () => {
    const product = stub.addProduct(100);
    const { user, auth } = tokenFor();

    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => post(i, auth, product)));

    expect(responses.filter((response) => response.status === 201)).toHaveLength(CAP);
    expect(responses.every((response) => [201, 409].includes(response.status))).toBe(true);
    expect(await orderModel().countDocuments({ userId: user.id })).toBe(CAP);
    expect(stub.stockOf(product)).toBe(100 - CAP);
  });

  it('when the races ran, then at least 10 connections carried them (the races were not serialised on a few) and no session or transaction was opened', () => {
    expect(pools.connectionsUsed()).toBeGreaterThanOrEqual(10);
    expect(transactions.calls).toEqual([]);
  });
});
