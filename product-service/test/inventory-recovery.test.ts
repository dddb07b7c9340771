/**
 * What a crashed or stalled call leaves behind, and how units come back exactly once: a take's units
 * are only in the products' `holds` markers until its reservation is inserted, so a crash there
 * leaves markers with no reservation; a release or the recovery puts them back behind a tombstone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import {
  createProduct,
  newOrderId,
  stockOf,
  type TestService,
  useProductService,
  storedProducts,
  storedReservations,
} from './support/product-service';

const GRACE_MS = 1_000;

let service: TestService;
useProductService((started) => (service = started), { orderWaitMs: 300, sweep: { graceMs: GRACE_MS } });

const reserve = (orderId: string, productId: string, quantity: number) =>
  service.http
    .post('/inventory/reservations')
    .set('X-Internal-Token', service.internalToken)
    .send({ orderId, items: [{ productId, quantity }] });
const release = (orderId: string) =>
  service.http.delete(`/inventory/reservations/${orderId}`).set('X-Internal-Token', service.internalToken);
const holdsOf = async (productId: string) =>
  (await storedProducts(service).findOne({ _id: new Types.ObjectId(productId) }))?.holds ?? [];

/** The state a take leaves when its process dies after taking a product's units, before its insert. */
async function crashedTake(productId: string, orderId: string, quantity: number, at = new Date()) {
  await storedProducts(service).updateOne(
    { _id: new Types.ObjectId(productId) },
    {
      $inc: { stock: -quantity },
      $push: { holds: { orderId, call: 'crashed-call', quantity, at } },
    },
  );
}

const longAgo = () => new Date(Date.now() - 10 * GRACE_MS);

describe('a take that died before inserting its reservation', () => {
  it('when the recovery runs after the grace period, then the units come back exactly once and the order is tombstoned', async () => {
    const taken = await createProduct(service, { stock: 10 });
    const untouched = await createProduct(service, { stock: 10 });
    const orderId = newOrderId();
    await crashedTake(taken.id, orderId, 4, longAgo());
    expect(await stockOf(service, taken.id)).toBe(6);

    expect(await service.sweep.recover()).toBeGreaterThanOrEqual(1);
    expect(await stockOf(service, taken.id)).toBe(10);
    expect(await holdsOf(taken.id)).toEqual([]);
    // Again, and a release, and a late reserve: nothing more comes back, nothing is taken.
    await service.sweep.recover();
    expect((await release(orderId)).status).toBe(200);
    const late = await reserve(orderId, taken.id, 4);
    expect(late.status).toBe(409);
    expect(late.body.details.reason).toBe('released');
    expect([await stockOf(service, taken.id), await stockOf(service, untouched.id)]).toEqual([10, 10]);
  });

  it('when the markers are younger than the grace period, then the recovery leaves them to their call', async () => {
    const product = await createProduct(service, { stock: 10 });
    const orderId = newOrderId();
    await crashedTake(product.id, orderId, 2);
    await service.sweep.recover();
    expect(await stockOf(service, product.id)).toBe(8);
    expect(await holdsOf(product.id)).toHaveLength(1);
    expect(await service.stockStore.get(orderId)).toBeNull();
  });

  it('when the order is released, then the tombstone comes first and exactly the units taken come back', async () => {
    const taken = await createProduct(service, { stock: 10 });
    const untouched = await createProduct(service, { stock: 10 });
    const orderId = newOrderId();
    await crashedTake(taken.id, orderId, 4);

    const released = await release(orderId);
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ orderId, status: 'released', items: [] });
    expect([await stockOf(service, taken.id), await stockOf(service, untouched.id)]).toEqual([10, 10]);
    expect((await release(orderId)).headers['idempotent-replayed']).toBe('true');
    await service.sweep.recover();
    expect(await stockOf(service, taken.id)).toBe(10);
  });

  it('when another call of the order still holds units, then a reserve waits and answers 503 with Retry-After', async () => {
    const product = await createProduct(service, { stock: 3 });
    const orderId = newOrderId();
    await crashedTake(product.id, orderId, 1);
    const reserved = await reserve(orderId, product.id, 1);
    expect(reserved.status).toBe(503);
    expect(reserved.headers['retry-after']).toBe('1');
    expect(await stockOf(service, product.id)).toBe(2);
  });
});

describe('a take stalled between its stock take and its reservation insert', () => {
  it('when the recovery put its units back meanwhile, then its late insert fails and it puts nothing back twice', async () => {
    const product = await createProduct(service, { stock: 10 });
    const orderId = newOrderId();
    const reservations = storedReservations(service);
    const insertOne = reservations.insertOne.bind(reservations);
    let stalled!: () => void;
    const reached = new Promise<void>((resolve) => {
      reservations.insertOne = (async (...args: Parameters<typeof insertOne>) => {
        // Only this order's insert stalls (the recovery's tombstone goes through).
        if (
          (args[0] as { _id?: unknown })._id === orderId &&
          (args[0] as { status?: string }).status === 'reserved'
        ) {
          resolve();
          await new Promise<void>((resume) => (stalled = resume));
        }
        return insertOne(...args);
      }) as typeof insertOne;
    });
    try {
      const pending = reserve(orderId, product.id, 4).then((response) => response);
      await reached;
      expect(await stockOf(service, product.id)).toBe(6);

      await sleep(GRACE_MS + 50);
      await service.sweep.recover();
      expect(await stockOf(service, product.id)).toBe(10);

      stalled();
      const response = await pending;
      expect(response.status).toBe(409);
      expect(response.body.details.reason).toBe('released');
      expect(await stockOf(service, product.id)).toBe(10);
      await service.sweep.recover();
      expect(await stockOf(service, product.id)).toBe(10);
      expect(await holdsOf(product.id)).toEqual([]);
    } finally {
      reservations.insertOne = insertOne;
    }
  });
});

describe('a take repeated after its reservation was made', () => {
  it('when its markers were already swept, then it takes, loses the insert, puts its own units back and replays', async () => {
    const product = await createProduct(service, { stock: 10 });
    const orderId = newOrderId();
    const first = await reserve(orderId, product.id, 3);
    await service.sweep.flushMarkers();
    expect(await holdsOf(product.id)).toEqual([]);

    const again = await reserve(orderId, product.id, 3);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await stockOf(service, product.id)).toBe(7);
    expect(await holdsOf(product.id)).toEqual([]);

    const reused = await reserve(orderId, product.id, 5);
    expect(reused.status).toBe(422);
    expect(await stockOf(service, product.id)).toBe(7);
  });

  it('when the recovery finds only a reservation’s own markers, then it removes them and gives nothing back', async () => {
    const product = await createProduct(service, { stock: 10 });
    const orderId = newOrderId();
    await reserve(orderId, product.id, 3);
    expect(await holdsOf(product.id)).toHaveLength(1);
    await sleep(GRACE_MS + 50);
    await service.sweep.recover();
    expect(await holdsOf(product.id)).toEqual([]);
    expect(await stockOf(service, product.id)).toBe(7);
  });
});

describe('a release that died midway', () => {
  it('when repeated, then it restores only the products not yet restored', async () => {
    const done = await createProduct(service, { stock: 10 });
    const notYet = await createProduct(service, { stock: 10 });
    const orderId = newOrderId();
    await service.http
      .post('/inventory/reservations')
      .set('X-Internal-Token', service.internalToken)
      .send({
        orderId,
        items: [
          { productId: done.id, quantity: 2 },
          { productId: notYet.id, quantity: 3 },
        ],
      });
    // The state a process leaves when it dies after restoring the first product.
    await storedReservations(service).updateOne({ _id: orderId }, { $set: { status: 'releasing' } });
    await storedProducts(service).updateOne(
      { _id: new Types.ObjectId(done.id) },
      { $inc: { stock: 2 }, $push: { releases: orderId } },
    );

    expect((await release(orderId)).status).toBe(200);
    expect(await stockOf(service, done.id)).toBe(10);
    expect(await stockOf(service, notYet.id)).toBe(10);
  });
});

describe('the sweep as a background loop', () => {
  it('when it runs, then the markers of completed reservations go within a flush or two', async () => {
    const product = await createProduct(service, { stock: 10 });
    const stop = service.sweep.start();
    try {
      expect((await reserve(newOrderId(), product.id, 1)).status).toBe(201);
      const deadline = Date.now() + 3_000;
      while ((await holdsOf(product.id)).length > 0 && Date.now() < deadline) await sleep(50);
      expect(await holdsOf(product.id)).toEqual([]);
      expect(await stockOf(service, product.id)).toBe(9);
    } finally {
      await stop();
    }
  });
});
