import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProduct,
  newOrderId,
  startProductService,
  stockOf,
  type TestService,
} from './support/product-service';

/**
 * The same races for each storage mode (see startProductService's storageMode):
 * - ferretdb: a pool of 10 connections, so only the in-process serialisation per document keeps
 *   the guarded writes exact. One process is what that mode supports (one replica per database).
 * - mongodb: the guarded writes go out as they are, over one connection (FerretDB applies one
 *   connection's commands in turn). That proves the store needs nothing but atomic single-document
 *   conditional writes; that MongoDB provides them across connections is the server's promise.
 */
describe.each(['ferretdb', 'mongodb'] as const)('concurrent reservations, %s mode', (storageMode) => {
  let first: TestService;

  beforeAll(async () => {
    first = await startProductService({ storageMode, orderWaitMs: 10_000 });
  });

  afterAll(async () => {
    await first?.close();
  });

  const replica = (_i: number) => first;
  const reserve = (i: number, orderId: string, productId: string) =>
    replica(i)
      .http.post('/inventory/reservations')
      .set('X-Internal-Token', first.internalToken)
      .send({ orderId, items: [{ productId, quantity: 1 }] });
  const release = (i: number, orderId: string) =>
    replica(i).http.delete(`/inventory/reservations/${orderId}`).set('X-Internal-Token', first.internalToken);

  it('when 100 orders race for 10 units, then exactly 10 win, stock ends at 0, and releases and repeats are exact', async () => {
    const product = await createProduct(first, { stock: 10 });
    const orders = Array.from({ length: 100 }, () => newOrderId());

    const results = await Promise.all(orders.map((orderId, i) => reserve(i, orderId, product.id)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(90);
    expect(await stockOf(first, product.id)).toBe(0);

    const winners = orders.filter((_, i) => results[i]!.status === 201);
    // Repeating every winning reserve, in parallel, takes nothing more.
    const repeats = await Promise.all(winners.map((orderId, i) => reserve(i + 1, orderId, product.id)));
    expect(repeats.every((r) => r.status === 201 && r.headers['idempotent-replayed'] === 'true')).toBe(true);
    expect(await stockOf(first, product.id)).toBe(0);

    // Release every winner twice at once, from concurrent callers: each unit comes back once.
    const releases = await Promise.all([...winners, ...winners].map((orderId, i) => release(i, orderId)));
    expect(releases.every((r) => r.status === 200)).toBe(true);
    expect(await stockOf(first, product.id)).toBe(10);

    // Repeating releases and (refused) reserves changes nothing more.
    await Promise.all(winners.map((orderId, i) => release(i, orderId)));
    const late = await Promise.all(winners.map((orderId, i) => reserve(i, orderId, product.id)));
    expect(late.every((r) => r.status === 409)).toBe(true);
    expect(await stockOf(first, product.id)).toBe(10);
  });

  it('when a reserve and a release for the same order race, then stock is either taken once or untouched', async () => {
    const product = await createProduct(first, { stock: 50 });
    const orders = Array.from({ length: 25 }, () => newOrderId());
    await Promise.all(
      orders.flatMap((orderId, i) => [reserve(i, orderId, product.id), release(i + 1, orderId)]),
    );
    const reserved = await first.models.reservations.countDocuments({
      _id: { $in: orders },
      status: 'reserved',
    });
    expect(await stockOf(first, product.id)).toBe(50 - reserved);
  });

  it('when admins edit a product while orders reserve it, then no stock change is lost', async () => {
    const product = await createProduct(first, { stock: 40 });
    const orders = Array.from({ length: 30 }, () => newOrderId());
    const edits = Array.from({ length: 10 }, (_, i) =>
      replica(i)
        .http.patch(`/products/${product.id}`)
        .set('Authorization', first.adminAuth)
        .send({ name: `Renamed ${i}` }),
    );
    const results = await Promise.all([
      ...orders.map((orderId, i) => reserve(i, orderId, product.id)),
      ...edits,
    ]);
    expect(results.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    expect(await stockOf(first, product.id)).toBe(10);
  });
});
