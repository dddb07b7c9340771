import { setTimeout as sleep } from 'node:timers/promises';
import { uniqueName } from '@ecom/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  type Harness,
  startOrderService,
  streamEntries,
  tokenFor,
} from './support/order-service';
import { type ProductStub, startProductStub } from './support/product-stub';

/**
 * Two order-service replicas on one database and one stream, as `npm start` and Compose run them:
 * their background loops (pending expiry, outbox relay) run side by side over the same orders.
 */
describe('two order-service replicas on one database', () => {
  let stub: ProductStub;
  let replicas: Harness[];

  beforeAll(async () => {
    stub = await startProductStub();
    const database = uniqueName('orders_');
    const stream = `events:orders:${uniqueName('test_')}`;
    const start = () =>
      startOrderService({
        productServiceUrl: stub.url,
        internalToken: stub.token,
        database,
        // A short TTL: each replica's expiry passes every 250 ms, so they overlap.
        settings: { stream, pendingOrderTtlMs: 1_000, maxPendingUnitsPerUser: 5 },
      });
    replicas = [await start(), await start()];
  });

  afterAll(async () => {
    for (const replica of replicas ?? []) await replica.close();
    await stub?.stop();
  });

  it('when pending orders outlive their TTL, then each is cancelled once, with one cancellation event, and its units freed', async () => {
    const customer = tokenFor();
    const product = stub.addProduct(100);
    const placed: string[] = [];
    for (const [index, replica] of [0, 1, 0, 1, 0].map((turn, index) => [index, replicas[turn]!] as const)) {
      const response = await replica.http
        .post('/orders')
        .set('Authorization', customer.auth)
        .send({ items: [{ productId: product, quantity: 1 }] });
      expect(response.status, `order ${index}`).toBe(201);
      placed.push(response.body.id);
    }

    const orders = replicas[0]!.orderModel;
    await eventually(
      async () => (await orders.countDocuments({ _id: { $in: placed }, status: 'cancelled' })) === 5,
    );
    // Both replicas' later passes must find nothing more to do.
    await sleep(1_000);

    for (const id of placed) {
      const order = await orders.findById(id).lean();
      expect(
        order!.statusHistory.filter((entry) => entry.status === 'cancelled'),
        id,
      ).toHaveLength(1);
    }
    const entries = await streamEntries(replicas[0]!.redis, replicas[0]!.stream);
    for (const id of placed) {
      const cancellations = new Set(
        entries
          .filter((entry) => entry.orderId === id && entry.type === 'order.cancelled')
          .map((entry) => entry.id),
      );
      // The relay is at-least-once (a copy may go out twice, same id); never two cancellations.
      expect(cancellations.size, id).toBe(1);
    }
    // The units were freed once each: the customer may hold 5 again, on either replica.
    await replicas[1]!.http
      .post('/orders')
      .set('Authorization', customer.auth)
      .send({ items: [{ productId: product, quantity: 5 }] })
      .expect(201);
  });
});
