import { Types } from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { createReleaseQueue } from '../src/placement/pending-releases';
import { eventually, startOrderService, tokenFor } from './support/order-service';
import { type ProductStub, startProductStub } from './support/product-stub';

const SLOT = 'host-a:3003';
const opened: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const resource of opened.reverse()) await resource.close();
});

async function startStub(): Promise<ProductStub> {
  const stub = await startProductStub();
  opened.push({ close: () => stub.stop().catch(() => undefined) });
  return stub;
}

/** An order-service in SLOT; given `database`, the successor of the one that used it. */
async function startInSlot(stub: ProductStub, database?: string) {
  const orders = await startOrderService({
    productServiceUrl: stub.url,
    internalToken: stub.token,
    database,
    settings: { slot: SLOT },
  });
  opened.push(orders);
  return orders;
}

/** What a SIGKILL between reserving and saving leaves: a guard of the slot, and held stock. */
async function crashedPlacement(
  stub: ProductStub,
  orders: Awaited<ReturnType<typeof startOrderService>>,
  slot: string,
  product: string,
): Promise<string> {
  const orderId = new Types.ObjectId().toHexString();
  await createReleaseQueue(orders.service.models.pendingReleases, slot).guard(orderId);
  await orders.service.inventory.reserve(orderId, [{ productId: product, quantity: 2 }]);
  return orderId;
}

describe('when order-service restarts after a crash', () => {
  it('then the stock its predecessor in the same slot left guarded is released at once, not when the guards come due', async () => {
    const stub = await startStub();
    const product = stub.addProduct(5);
    const predecessor = await startInSlot(stub);
    const orphan = await crashedPlacement(stub, predecessor, SLOT, product);
    // Another replica's placement in progress: its guard must stay.
    const otherReplica = await crashedPlacement(stub, predecessor, 'host-b:3003', product);
    expect(stub.stockOf(product)).toBe(1);

    const successor = await startInSlot(stub, predecessor.database);
    // Starting resolved the guard already (as main does once listening): none is left to resolve.
    expect(await successor.service.resolvePredecessorGuards(new Date())).toBe(0);

    await eventually(() => stub.calls.release.includes(orphan), 5_000);
    expect(stub.stockOf(product)).toBe(3);
    expect(stub.calls.release).not.toContain(otherReplica);
    const left = await successor.service.models.pendingReleases.find().lean();
    expect(left.map((entry) => entry._id)).toEqual([otherReplica]);
  });

  it('then a guard whose order was saved is dropped without releasing the order’s stock', async () => {
    const stub = await startStub();
    const product = stub.addProduct(5);
    const predecessor = await startInSlot(stub);
    const placed = await predecessor.http
      .post('/orders')
      .set('Authorization', tokenFor().auth)
      .send({ items: [{ productId: product, quantity: 1 }] });
    expect(placed.status).toBe(201);
    // The crash came after the save but before the guard was dropped.
    await createReleaseQueue(predecessor.service.models.pendingReleases, SLOT).guard(placed.body.id);

    const successor = await startInSlot(stub, predecessor.database);
    await successor.service.resolvePredecessorGuards(new Date());

    await eventually(
      async () => (await successor.service.models.pendingReleases.countDocuments()) === 0,
      5_000,
    );
    expect(stub.calls.release).not.toContain(placed.body.id);
    expect(stub.stockOf(product)).toBe(4);
  });

  it('then a failure to resolve the guards does not stop it: it is counted and they come due on their own', async () => {
    const stub = await startStub();
    const successor = await startInSlot(stub);

    // An invalid start time makes the query itself fail, as a database error would.
    const count = await successor.service.resolvePredecessorGuards(new Date(Number.NaN));

    expect(count).toBe(0);
    const metrics = await successor.http.get('/metrics');
    expect(metrics.text).toMatch(
      /^order_bookkeeping_failures_total\{operation="predecessor_guards",service="order-service"\} 1$/m,
    );
  });
});
