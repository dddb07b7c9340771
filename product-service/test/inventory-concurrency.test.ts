/**
 * Stock races over three product-service instances on one database, each with a pool of 20
 * connections, as replicas behind a load balancer would be: nothing but the server's atomic
 * conditional writes keeps the stock exact (no in-process queue spans instances).
 */
import { type PoolUsage, uniqueName, watchPoolUsage, watchTransactions } from '@ecom/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProduct,
  newOrderId,
  startProductService,
  stockOf,
  type TestService,
  storedReservations,
} from './support/product-service';

const INSTANCES = 3;

describe('concurrent reservations over several instances', () => {
  const instances: TestService[] = [];
  const transactions = watchTransactions();
  let pools: PoolUsage;

  beforeAll(async () => {
    const database = uniqueName('products_');
    // Together, as replicas start: their index builds race on one collection (see ensureIndexes).
    instances.push(
      ...(await Promise.all(
        Array.from({ length: INSTANCES }, () => startProductService({ database, orderWaitMs: 10_000 })),
      )),
    );
    pools = watchPoolUsage(instances.map((instance) => instance.connection.getClient()));
  });

  afterAll(async () => {
    transactions.restore();
    await instances[0]?.connection.dropDatabase().catch(() => undefined);
    await Promise.all(instances.map((instance) => instance.close()));
  });

  const first = () => instances[0]!;
  const replica = (i: number) => instances[i % INSTANCES]!;
  const reserve = (i: number, orderId: string, productId: string) =>
    replica(i)
      .http.post('/inventory/reservations')
      .set('X-Internal-Token', first().internalToken)
      .send({ orderId, items: [{ productId, quantity: 1 }] });
  const release = (i: number, orderId: string) =>
    replica(i)
      .http.delete(`/inventory/reservations/${orderId}`)
      .set('X-Internal-Token', first().internalToken);

  // A read-then-write take (read the stock, check it, then $inc by _id) lets racers on other
  // connections read the same stock: more than 10 would win and the stock would go below 0.
  it('when 100 orders race for 10 units, then exactly 10 win, stock ends at 0, and releases and repeats are exact', async () => {
    const product = await createProduct(first(), { stock: 10 });
    const orders = Array.from({ length: 100 }, () => newOrderId());

    const results = await Promise.all(orders.map((orderId, i) => reserve(i, orderId, product.id)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(90);
    expect(await stockOf(first(), product.id)).toBe(0);

    const winners = orders.filter((_, i) => results[i]!.status === 201);
    // Repeating every winning reserve, in parallel, takes nothing more.
    const repeats = await Promise.all(winners.map((orderId, i) => reserve(i + 1, orderId, product.id)));
    expect(repeats.every((r) => r.status === 201 && r.headers['idempotent-replayed'] === 'true')).toBe(true);
    expect(await stockOf(first(), product.id)).toBe(0);

    // Release every winner twice at once, from different instances: each unit comes back once.
    const releases = await Promise.all([...winners, ...winners].map((orderId, i) => release(i, orderId)));
    expect(releases.every((r) => r.status === 200)).toBe(true);
    expect(await stockOf(first(), product.id)).toBe(10);

    // Repeating releases and (refused) reserves changes nothing more.
    await Promise.all(winners.map((orderId, i) => release(i, orderId)));
    const late = await Promise.all(winners.map((orderId, i) => reserve(i, orderId, product.id)));
    expect(late.every((r) => r.status === 409)).toBe(true);
    expect(await stockOf(first(), product.id)).toBe(10);
  });

  // A non-atomic claim of the reservation (read its status, then write) would let a reserve and a
  // release of one order both act: units taken and never given back, or given back twice.
  it('when a reserve and a release for the same order race, then stock is either taken once or untouched', async () => {
    const product = await createProduct(first(), { stock: 50 });
    const orders = Array.from({ length: 25 }, () => newOrderId());
    await Promise.all(
      orders.flatMap((orderId, i) => [reserve(i, orderId, product.id), release(i + 1, orderId)]),
    );
    const reserved = await storedReservations(first()).countDocuments({
      _id: { $in: orders },
      status: 'reserved',
    });
    expect(await stockOf(first(), product.id)).toBe(50 - reserved);
  });

  // An edit written as a whole document (read, change, save) would put back a stock it read before
  // the reservations that ran meanwhile.
  it('when admins edit a product while orders reserve it, then no stock change is lost', async () => {
    const product = await createProduct(first(), { stock: 40 });
    const orders = Array.from({ length: 30 }, () => newOrderId());
    const edits = Array.from({ length: 10 }, (_, i) =>
      replica(i)
        .http.patch(`/products/${product.id}`)
        .set('Authorization', first().adminAuth)
        .send({ name: `Renamed ${i}` }),
    );
    const results = await Promise.all([
      ...orders.map((orderId, i) => reserve(i, orderId, product.id)),
      ...edits,
    ]);
    expect(results.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    expect(await stockOf(first(), product.id)).toBe(10);
  });

  it('when the races ran, then at least 10 connections carried them (the races were not serialised on a few) and no session or transaction was opened', () => {
    expect(pools.connectionsUsed()).toBeGreaterThanOrEqual(10);
    expect(transactions.calls).toEqual([]);
  });
});
