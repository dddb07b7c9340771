import { Types } from 'mongoose';
import { afterAll, describe, expect, it, vi } from 'vitest';
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

const customer = tokenFor();

/** What a SIGKILL between reserving and saving leaves: a hold entry naming the slot, and held stock. */
async function crashedPlacement(
  orders: Awaited<ReturnType<typeof startOrderService>>,
  slot: string,
  product: string,
): Promise<string> {
  const orderId = new Types.ObjectId().toHexString();
  await orders.service.holdStore.claim(customer.user.id, orderId, 2, 1_000, { slot });
  await orders.service.inventory.reserve(orderId, [{ productId: product, quantity: 2 }]);
  return orderId;
}

describe('when order-service restarts after a crash', () => {
  it('then the stock its predecessor in the same slot left unplaced is released at once, not after the grace period', async () => {
    const stub = await startStub();
    const product = stub.addProduct(5);
    const predecessor = await startInSlot(stub);
    const orphan = await crashedPlacement(predecessor, SLOT, product);
    // Another replica's placement in progress: its entry must stay.
    const otherReplica = await crashedPlacement(predecessor, 'host-b:3003', product);
    expect(stub.stockOf(product)).toBe(1);

    const successor = await startInSlot(stub, predecessor.database);
    // Starting resolved it already (as main does once listening): none is left to resolve.
    expect(await successor.service.unplaced.resolvePredecessor(new Date())).toBe(0);

    await eventually(() => stub.calls.release.includes(orphan), 5_000);
    expect(stub.stockOf(product)).toBe(3);
    expect(stub.calls.release).not.toContain(otherReplica);
    await eventually(
      async () => (await successor.service.holdStore.heldOrders(customer.user.id)).length === 1,
    );
    const left = await successor.service.holdStore.heldOrders(customer.user.id);
    expect(left.map((entry) => entry.orderId)).toEqual([otherReplica]);
  });

  it('then an entry whose order was saved keeps the order’s stock and units', async () => {
    const stub = await startStub();
    const product = stub.addProduct(5);
    const predecessor = await startInSlot(stub);
    const placed = await predecessor.http
      .post('/orders')
      .set('Authorization', customer.auth)
      .send({ items: [{ productId: product, quantity: 1 }] });
    expect(placed.status).toBe(201);

    const successor = await startInSlot(stub, predecessor.database);
    await successor.service.unplaced.resolvePredecessor(new Date());

    expect(stub.calls.release).not.toContain(placed.body.id);
    expect(stub.stockOf(product)).toBe(4);
    const held = await successor.service.holdStore.heldOrders(customer.user.id);
    expect(held.map((entry) => entry.orderId)).toContain(placed.body.id);
  });

  it('then a failure to read the tallies does not stop it: it is counted and the entries come due on their own', async () => {
    const stub = await startStub();
    const successor = await startInSlot(stub);
    vi.spyOn(successor.service.holdStore, 'holders').mockImplementation(() => {
      throw new Error('database unavailable');
    });

    const count = await successor.service.unplaced.resolvePredecessor(new Date());

    expect(count).toBe(0);
    const metrics = await successor.http.get('/metrics');
    expect(metrics.text).toMatch(
      /^order_bookkeeping_failures_total\{operation="predecessor_guards",service="order-service"\} 1$/m,
    );
  });
});
