import { hasValidEventSignature } from '@ecom/service-kit';
import type { CommandStartedEvent } from 'mongodb';
import { describe, expect, it } from 'vitest';
import {
  eventually,
  type Harness,
  startOrderService,
  streamEntries,
  tokenFor,
} from './support/order-service';
import type { ProductStub } from './support/product-stub';
import { useStubbedOrderService } from './support/stacks';
import { startRedisProcess } from './support/redis-process';

let stub: ProductStub;
let orders: Harness;
useStubbedOrderService((started) => ({ stub, orders } = started));

async function placeOrder(harness: Harness, owner = tokenFor()) {
  const product = stub.addProduct(10, 5.25);
  const response = await harness.http
    .post('/orders')
    .set('Authorization', owner.auth)
    .send({ items: [{ productId: product, quantity: 2 }] });
  expect(response.status).toBe(201);
  return { order: response.body, owner, product };
}

/** The owner cancels the order through the API. */
const cancelOrder = (harness: Harness, orderId: string, owner: ReturnType<typeof tokenFor>) =>
  harness.http
    .put(`/orders/${orderId}/status`)
    .set('Authorization', owner.auth)
    .send({ status: 'cancelled' });

const eventsOf = async (harness: Harness, orderId: string) =>
  (await streamEntries(harness.redis, harness.stream)).filter((entry) => entry.orderId === orderId);

const outboxOf = async (harness: Harness, orderId: string) =>
  (await harness.orderModel.findById(orderId).lean())?.outbox ?? [];

describe('events on the orders stream', () => {
  it('when an order is placed, then order.created is published with the contract fields and leaves the outbox', async () => {
    const { order, owner, product } = await placeOrder(orders);

    await eventually(async () => (await eventsOf(orders, order.id)).length === 1);

    const [event] = await eventsOf(orders, order.id);
    expect(event).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      type: 'order.created',
      orderId: order.id,
      userId: owner.user.id,
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: expect.any(String),
      sig: expect.any(String),
    });
    // Signed with the internal token: product-service acts only on events that verify.
    expect(hasValidEventSignature(event!, stub.token)).toBe(true);
    expect(hasValidEventSignature({ ...event!, orderId: '0'.repeat(24) }, stub.token)).toBe(false);
    expect(JSON.parse(event!.data!)).toEqual({
      status: 'pending',
      items: [
        { productId: product, productName: 'Stub product', quantity: 2, unitPrice: 5.25, lineTotal: 10.5 },
      ],
      totalAmount: 10.5,
      currency: 'USD',
    });
    await eventually(async () => (await outboxOf(orders, order.id)).length === 0);
  });

  it('when an order is placed or changed, then the relay publishes the copy the request wrote without reading the order back', async () => {
    // The relay's read-back asks for the order by `_id` with exactly this projection.
    const readBacks: string[] = [];
    const record = (event: CommandStartedEvent) => {
      const { command } = event;
      if (event.commandName === 'find' && command.find === 'orders' && command.projection?.outbox === 1)
        readBacks.push(String(command.filter?._id));
    };
    orders.connection.getClient().on('commandStarted', record);
    try {
      const { order, owner } = await placeOrder(orders);
      await eventually(async () => (await eventsOf(orders, order.id)).length === 1);
      await cancelOrder(orders, order.id, owner).expect(200);
      await eventually(async () => (await eventsOf(orders, order.id)).length === 3);
      await eventually(async () => (await outboxOf(orders, order.id)).length === 0);

      expect(readBacks).toEqual([]);
    } finally {
      orders.connection.getClient().off('commandStarted', record);
    }
  });

  it('when an order is cancelled, then order.status_changed and order.cancelled follow order.created, in that order', async () => {
    const { order, owner, product } = await placeOrder(orders);
    await cancelOrder(orders, order.id, owner).expect(200);

    await eventually(async () => (await eventsOf(orders, order.id)).length === 3);

    const events = await eventsOf(orders, order.id);
    expect(events.map((event) => event.type)).toEqual([
      'order.created',
      'order.status_changed',
      'order.cancelled',
    ]);
    expect(JSON.parse(events[1]!.data!)).toEqual({ from: 'pending', to: 'cancelled', by: owner.user.id });
    expect(JSON.parse(events[2]!.data!)).toEqual({
      previousStatus: 'pending',
      by: owner.user.id,
      items: [{ productId: product, quantity: 2 }],
    });
    expect(new Set(events.map((event) => event.id)).size).toBe(3);
  });

  it('when the stream is long, then publishing trims it to about EVENTS_STREAM_MAXLEN', async () => {
    const capped = await startOrderService({
      productServiceUrl: stub.url,
      internalToken: stub.token,
      settings: { streamMaxLen: 10 },
    });
    try {
      const pipeline = capped.redis.pipeline();
      for (let index = 0; index < 1_000; index += 1) pipeline.xadd(capped.stream, '*', 'type', 'filler');
      await pipeline.exec();

      const { order } = await placeOrder(capped);
      await eventually(async () => (await outboxOf(capped, order.id)).length === 0);

      // "~" trims whole internal nodes (100 entries each), so the length lands near, not at, 10.
      expect(await capped.redis.xlen(capped.stream)).toBeLessThanOrEqual(200);
      const [last] = await capped.redis.xrevrange(capped.stream, '+', '-', 'COUNT', 1);
      expect(last?.[1]).toContain(order.id);
    } finally {
      await capped.close();
    }
  });
});

describe('when Redis is down', () => {
  it('when orders change while Redis is away, then nothing is lost, each failed publish is counted, and every event is published once it is back', async () => {
    const redis = await startRedisProcess();
    const harness = await startOrderService({
      productServiceUrl: stub.url,
      internalToken: stub.token,
      redisUrl: redis.url,
    });
    try {
      await redis.stop();
      const { order, owner } = await placeOrder(harness);
      const cancel = await cancelOrder(harness, order.id, owner);
      expect(cancel.status).toBe(200);
      await eventually(async () => {
        const metrics = await harness.http.get('/metrics');
        return /^order_outbox_backlog\{service="order-service"\} 1$/m.test(metrics.text);
      });
      // Not silent: each failed publish is counted (and logged with the order id).
      const metrics = await harness.http.get('/metrics');
      expect(metrics.text).toMatch(
        /^order_bookkeeping_failures_total\{operation="outbox_publish",service="order-service"\} [1-9]/m,
      );
      expect((await outboxOf(harness, order.id)).map((event) => event.type)).toEqual([
        'order.created',
        'order.status_changed',
        'order.cancelled',
      ]);

      await redis.start();

      await eventually(async () => (await outboxOf(harness, order.id)).length === 0, 20_000);
      const events = await eventsOf(harness, order.id);
      expect(events.map((event) => event.type)).toEqual([
        'order.created',
        'order.status_changed',
        'order.cancelled',
      ]);
    } finally {
      await harness.close();
      await redis.close();
    }
  });
});

describe('after a crash', () => {
  it('when a process died with events still in an order, then the next start publishes them on its first pass', async () => {
    const first = await startOrderService({ productServiceUrl: stub.url, internalToken: stub.token });
    const { order } = await placeOrder(first);
    await eventually(async () => (await outboxOf(first, order.id)).length === 0);
    // The state a crash between the order's write and its relay leaves behind.
    await first.orderModel.updateOne(
      { _id: order.id },
      {
        $push: {
          outbox: {
            eventId: `crash-${order.id}`,
            type: 'order.status_changed',
            occurredAt: new Date(),
            data: '{}',
          },
        },
      },
    );
    await first.close();

    const second = await startOrderService({
      productServiceUrl: stub.url,
      internalToken: stub.token,
      database: first.database,
      settings: { stream: first.stream },
    });
    try {
      await eventually(async () => (await outboxOf(second, order.id)).length === 0);
      expect((await eventsOf(second, order.id)).map((event) => event.id)).toContain(`crash-${order.id}`);
    } finally {
      await second.close();
    }
  });
});
