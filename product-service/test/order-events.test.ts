import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, createRedis, type Redis, signEventFields } from '@ecom/service-kit';
import { redisUrl, uniqueName } from '@ecom/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrderEventsConsumer, type OrderEventsConsumer } from '../src/inventory/order-events-consumer';
import {
  createProduct,
  newOrderId,
  startProductService,
  stockOf,
  type TestService,
} from './support/product-service';

let service: TestService;
let publisher: Redis;
let consumer: OrderEventsConsumer;
const stream = `events:orders:${uniqueName('test_')}`;
const group = 'product-service';
const logger = createLogger('order-events-test', 'silent');

/** An event as order-service publishes it: signed with the internal token unless told otherwise. */
function publish(
  type: string,
  orderId: string,
  extra: Record<string, string> = {},
  secret?: string,
  to = stream,
) {
  const fields: Record<string, string> = {
    id: randomUUID(),
    type,
    orderId,
    userId: 'u1',
    occurredAt: new Date().toISOString(),
    data: JSON.stringify({ status: 'cancelled' }),
    ...extra,
  };
  fields.sig ??= signEventFields(fields, secret ?? service.internalToken);
  return publisher.xadd(to, '*', ...Object.entries(fields).flat());
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(50);
  }
}

const pendingCount = async () => ((await publisher.xpending(stream, group)) as [number])[0];

/** A replica's consumer, with short timings so the tests do not wait for the production ones. */
function startConsumer(name: string): OrderEventsConsumer {
  const started = createOrderEventsConsumer(
    {
      redis: createRedis(redisUrl(), { logger }),
      inventory: service.inventory,
      logger,
      metrics: service.catalogMetrics,
    },
    {
      stream,
      group,
      consumer: name,
      signingKey: service.internalToken,
      blockMs: 200,
      claimIdleMs: 300,
      claimEveryMs: 200,
    },
  );
  started.start();
  return started;
}

beforeAll(async () => {
  service = await startProductService();
  publisher = createRedis(redisUrl(), { logger });
  await publisher.connect();
  consumer = startConsumer('replica-a');
});

afterAll(async () => {
  await consumer?.stop();
  publisher?.disconnect();
  await service?.close();
});

async function reserved(stock: number, quantity: number) {
  const product = await createProduct(service, { stock });
  const orderId = newOrderId();
  const response = await service.http
    .post('/inventory/reservations')
    .set('X-Internal-Token', service.internalToken)
    .send({ orderId, items: [{ productId: product.id, quantity }] });
  expect(response.status).toBe(201);
  return { product, orderId };
}

describe('order events', () => {
  it('when an order.cancelled event arrives, then its stock comes back and the entry is acknowledged', async () => {
    const { product, orderId } = await reserved(10, 4);
    await publish('order.cancelled', orderId);
    await eventually(async () => (await stockOf(service, product.id)) === 10);
    await eventually(async () => (await pendingCount()) === 0);
  });

  it('when the same cancellation is delivered twice, then the stock comes back once', async () => {
    const { product, orderId } = await reserved(10, 3);
    await publish('order.cancelled', orderId);
    await publish('order.cancelled', orderId);
    await eventually(async () => (await pendingCount()) === 0 && (await stockOf(service, product.id)) === 10);
    await sleep(300);
    expect(await stockOf(service, product.id)).toBe(10);
  });

  it('when a signed order.created was read, then the internal route may no longer release its stock (409); its cancellation does', async () => {
    const { product, orderId } = await reserved(10, 4);
    const forged = await reserved(10, 4);
    await publish('order.created', orderId);
    // Unsigned: whoever writes to Redis cannot keep an order's stock from going back.
    await publish('order.created', forged.orderId, {}, 'not-the-internal-token');
    await eventually(async () => (await pendingCount()) === 0);

    const release = (id: string) =>
      service.http.delete(`/inventory/reservations/${id}`).set('X-Internal-Token', service.internalToken);
    const refused = await release(orderId);
    expect(refused.status).toBe(409);
    expect(refused.body.details).toEqual({ reason: 'order_placed' });
    expect(await stockOf(service, product.id)).toBe(6);
    await release(forged.orderId).expect(200);

    await publish('order.cancelled', orderId);
    await eventually(async () => (await stockOf(service, product.id)) === 10);
  });

  it('when other or malformed events arrive, then they are acknowledged without touching stock', async () => {
    const { product, orderId } = await reserved(10, 2);
    await publish('order.created', orderId);
    await publish('order.status_changed', orderId, { data: JSON.stringify({ status: 'confirmed' }) });
    await publish('order.cancelled', 'not a valid id!');
    await eventually(async () => (await pendingCount()) === 0);
    expect(await stockOf(service, product.id)).toBe(8);
  });

  it('when an order.cancelled is unsigned, badly signed or altered, then it is acknowledged without releasing anything', async () => {
    // Anyone who can write to Redis could otherwise put back the stock of any live order.
    const { product, orderId } = await reserved(10, 4);
    await publish('order.cancelled', orderId, { sig: '' });
    await publish('order.cancelled', orderId, {}, 'a-secret-the-attacker-made-up-0123');
    const signedForAnother = signEventFields(
      { id: 'x', type: 'order.cancelled', orderId: newOrderId() },
      service.internalToken,
    );
    await publish('order.cancelled', orderId, { id: 'x', sig: signedForAnother });
    await eventually(async () => (await pendingCount()) === 0);
    expect(await stockOf(service, product.id)).toBe(6);
    // Nor did the forged events leave a tombstone: the real cancellation still works.
    await publish('order.cancelled', orderId);
    await eventually(async () => (await stockOf(service, product.id)) === 10);
  });

  it('when two replicas read the stream in one group, then every cancellation gives its stock back exactly once', async () => {
    const second = startConsumer('replica-two');
    try {
      const orders = await Promise.all(Array.from({ length: 6 }, () => reserved(10, 3)));
      for (const { orderId } of orders) await publish('order.cancelled', orderId);

      await eventually(
        async () => (await pendingCount()) === 0 && (await stockOf(service, orders[5]!.product.id)) === 10,
      );
      await sleep(300);
      for (const { product } of orders) expect(await stockOf(service, product.id)).toBe(10);
    } finally {
      await second.stop();
    }
  });

  it('when a consumer died holding an entry, then another one claims it and releases the order', async () => {
    const { product, orderId } = await reserved(10, 5);
    await consumer.stop();
    await publish('order.cancelled', orderId);
    // A replica that read the entry and crashed before acknowledging it.
    await publisher.xreadgroup('GROUP', group, 'crashed-replica', 'COUNT', 10, 'STREAMS', stream, '>');
    expect(await pendingCount()).toBe(1);

    consumer = startConsumer('replica-b');
    await eventually(async () => (await stockOf(service, product.id)) === 10);
    await eventually(async () => (await pendingCount()) === 0);
  });

  it('when a consumer restarts under its old name, then it handles what it read before at once, without waiting to claim it', async () => {
    const { product, orderId } = await reserved(10, 4);
    await consumer.stop();
    await publish('order.cancelled', orderId);
    // The previous incarnation of replica-c read the entry and stopped before acknowledging it.
    await publisher.xreadgroup('GROUP', group, 'replica-c', 'COUNT', 10, 'STREAMS', stream, '>');

    consumer = createOrderEventsConsumer(
      {
        redis: createRedis(redisUrl(), { logger }),
        inventory: service.inventory,
        logger,
        metrics: service.catalogMetrics,
      },
      // Claiming abandoned entries is far off: only re-reading its own pending entries can help.
      {
        stream,
        group,
        consumer: 'replica-c',
        signingKey: service.internalToken,
        blockMs: 200,
        claimIdleMs: 600_000,
        claimEveryMs: 600_000,
      },
    );
    consumer.start();
    await eventually(async () => (await stockOf(service, product.id)) === 10);
    await eventually(async () => (await pendingCount()) === 0);
  });
});

/** A consumer of a stream of its own, its inventory calls going through `inventory`. */
function consumerOf(
  ownStream: string,
  inventory: Pick<TestService['inventory'], 'placed' | 'release'>,
  timings: { gatherMs?: number; claimIdleMs?: number; claimEveryMs?: number },
) {
  const started = createOrderEventsConsumer(
    { redis: createRedis(redisUrl(), { logger }), inventory, logger, metrics: service.catalogMetrics },
    {
      stream: ownStream,
      group,
      consumer: 'own',
      signingKey: service.internalToken,
      blockMs: 200,
      ...timings,
    },
  );
  started.start();
  return started;
}

const pendingOn = async (ownStream: string) => ((await publisher.xpending(ownStream, group)) as [number])[0];

describe('order events on a busy stream', () => {
  it('when order.created events arrive one by one, then the reads gather them and one write marks them placed', async () => {
    const busyStream = `events:orders:${uniqueName('busy_')}`;
    const placedCalls: string[][] = [];
    const busy = consumerOf(
      busyStream,
      {
        placed: async (orderIds) => {
          if (orderIds.length > 0) placedCalls.push(orderIds);
          await service.inventory.placed(orderIds);
        },
        release: (orderId, caller) => service.inventory.release(orderId, caller),
      },
      { gatherMs: 400 },
    );
    const publishTo = (orderId: string) => publish('order.created', orderId, {}, undefined, busyStream);
    try {
      await publishTo(newOrderId());
      await eventually(async () => placedCalls.length === 1);
      const later = Array.from({ length: 5 }, () => newOrderId());
      for (const orderId of later) {
        await publishTo(orderId);
        await sleep(20);
      }
      await eventually(async () => placedCalls.flat().length === 6);

      expect(placedCalls.slice(1)).toEqual([later]);
      await eventually(async () => (await pendingOn(busyStream)) === 0);
    } finally {
      await busy.stop();
    }
  });

  it('when one release of a batch fails (the database away), then that entry stays pending and is handled again', async () => {
    const failingStream = `events:orders:${uniqueName('failing_')}`;
    const orders = await Promise.all(Array.from({ length: 3 }, () => reserved(10, 2)));
    const unlucky = orders[1]!.orderId;
    const releases: string[] = [];
    const failing = consumerOf(
      failingStream,
      {
        placed: (orderIds) => service.inventory.placed(orderIds),
        release: async (orderId, caller) => {
          releases.push(orderId);
          if (orderId === unlucky && releases.filter((id) => id === unlucky).length === 1) {
            throw new Error('database unavailable');
          }
          return service.inventory.release(orderId, caller);
        },
      },
      { gatherMs: 0, claimIdleMs: 300, claimEveryMs: 200 },
    );
    try {
      for (const { orderId } of orders) {
        await publish('order.cancelled', orderId, {}, undefined, failingStream);
      }

      for (const { product } of orders) {
        await eventually(async () => (await stockOf(service, product.id)) === 10);
      }
      await eventually(async () => (await pendingOn(failingStream)) === 0);
      expect(releases.filter((id) => id === unlucky)).toHaveLength(2);
    } finally {
      await failing.stop();
    }
  });
});
