/**
 * The order store's lookups other than by `_id` (a customer's history, the expiry, the outbox
 * backstop), once per storage mode against the real FerretDB. In `ferretdb` mode every `find` they
 * send must be `{_id: value}`: FerretDB v1 answers anything else by reading the whole collection,
 * which at 100,000 orders takes minutes.
 */
import { connectMongo, createDocumentWrites, createLogger } from '@ecom/service-kit';
import { mongoUrlFor, uniqueName } from '@ecom/test-support';
import { type Connection, Types } from 'mongoose';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IdLists } from '../src/lookups/id-lists';
import { TimeBuckets } from '../src/lookups/time-buckets';
import { createIdempotencyModel } from '../src/idempotency/idempotency-model';
import { createIdempotencyStore, IDEMPOTENCY_WINDOW_MS } from '../src/idempotency/idempotency-store';
import { statusChangeEvents } from '../src/orders/order-events';
import { createOrderModel, type OrderModel } from '../src/orders/order-model';
import { createOrderStore, type NewOrder, type OrderStore } from '../src/orders/order-store';

const ORDER_COLLECTIONS = new Set([
  'orders',
  'order_ids_by_user',
  'order_expiry_schedule',
  'order_outbox_journal',
  'idempotency_keys',
  'idempotency_expiry_schedule',
]);

function newOrder(userId: string): NewOrder {
  return {
    _id: new Types.ObjectId(),
    userId,
    items: [{ productId: 'p1', productName: 'Thing', quantity: 1, unitPriceCents: 100 }],
    totalCents: 100,
    currency: 'USD',
    status: 'pending',
    statusHistory: [{ status: 'pending', at: new Date(), by: userId }],
    outbox: [
      {
        eventId: new Types.ObjectId().toHexString(),
        type: 'order.created',
        occurredAt: new Date(),
        data: '{}',
      },
    ],
  };
}

/** Moves a pending order on, without events (the relay is not under test there). */
function leavePending(store: OrderStore, order: NewOrder, to: 'confirmed' | 'cancelled') {
  return store.transition(order._id.toHexString(), {
    from: 'pending',
    to,
    entry: { status: to, at: new Date(), by: order.userId },
    events: [],
  });
}

describe.each(['ferretdb', 'mongodb'] as const)('%s storage mode: order lookups', (mode) => {
  let connection: Connection;
  let model: OrderModel;
  let store: OrderStore;
  /** Filters of every `find` and `count` sent to the order collections, by collection. */
  let queries: Array<{ collection: string; command: string; filter: Record<string, unknown> }> = [];

  beforeAll(async () => {
    const logger = createLogger('order-lookups-test', 'silent');
    // ferretdb mode: a pool of 10, so concurrent writes reach FerretDB at once and only the
    // store's own serialisation keeps them exact (the shared test URL has one connection).
    const url = mongoUrlFor(uniqueName('lookups_'));
    connection = await connectMongo(
      mode === 'ferretdb' ? url.replace('maxPoolSize=1', 'maxPoolSize=10') : url,
      {
        logger,
        registry: new Registry(),
      },
    );
    connection.getClient().on('commandStarted', (event) => {
      const collection: unknown = event.command[event.commandName];
      if (typeof collection !== 'string' || !ORDER_COLLECTIONS.has(collection)) return;
      const { command } = event;
      const filters: unknown[] = ['find', 'count', 'aggregate', 'distinct'].includes(event.commandName)
        ? [command.filter ?? command.query ?? {}]
        : event.commandName === 'delete'
          ? (command.deletes as Array<{ q: unknown }>).map((d) => d.q)
          : event.commandName === 'update'
            ? (command.updates as Array<{ q: unknown }>).map((u) => u.q)
            : [];
      for (const filter of filters)
        queries.push({ collection, command: event.commandName, filter: filter as Record<string, unknown> });
    });
    model = createOrderModel(connection);
    await model.init();
    store = createOrderStore(model, createDocumentWrites(mode), { unpublishedGraceMs: 0 });
  });

  afterAll(async () => {
    await connection?.close();
  });

  beforeEach(() => {
    queries = [];
  });

  /** In ferretdb mode, the lookups never ask FerretDB to filter anything but `_id`. */
  function expectOnlyIdQueries() {
    if (mode !== 'ferretdb') return;
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) {
      expect({ ...query, keys: Object.keys(query.filter) }).toMatchObject({ keys: ['_id'] });
      expect(typeof query.filter._id === 'object' && !(query.filter._id instanceof Types.ObjectId)).toBe(
        false,
      );
    }
  }

  it('when a customer lists their orders, then they get only theirs, newest first, paged, with the total', async () => {
    const customer = new Types.ObjectId().toHexString();
    const other = new Types.ObjectId().toHexString();
    const placed = [];
    for (let n = 0; n < 3; n += 1) placed.push(await store.create(newOrder(customer)));
    await store.create(newOrder(other));
    queries = [];

    const first = await store.ordersOfUser(customer, { page: 1, limit: 2 });
    const second = await store.ordersOfUser(customer, { page: 2, limit: 2 });

    const ids = (page: { items: Array<{ _id: Types.ObjectId }> }) =>
      page.items.map((o) => o._id.toHexString());
    const newestFirst = placed.map((order) => order._id.toHexString()).reverse();
    expect(first.total).toBe(3);
    expect(ids(first)).toEqual(newestFirst.slice(0, 2));
    expect(ids(second)).toEqual(newestFirst.slice(2));
    expect(first.items.every((order) => order.outbox === undefined || order.outbox.length === 0)).toBe(true);
    expectOnlyIdQueries();
  });

  it('when one customer places many orders at once, then the history holds every one of them once', async () => {
    const customer = new Types.ObjectId().toHexString();

    const placed = await Promise.all(Array.from({ length: 60 }, () => store.create(newOrder(customer))));

    const listed = await store.ordersOfUser(customer, { page: 1, limit: 100 });
    expect(listed.total).toBe(60);
    expect(new Set(listed.items.map((order) => order._id.toHexString()))).toEqual(
      new Set(placed.map((order) => order._id.toHexString())),
    );
  });

  it('when a customer filters their orders by status, then only those with that status are counted and listed', async () => {
    const customer = new Types.ObjectId().toHexString();
    const kept = await store.create(newOrder(customer));
    const cancelled = await store.create(newOrder(customer));
    await leavePending(store, cancelled, 'cancelled');
    queries = [];

    const pending = await store.ordersOfUser(customer, { status: 'pending', page: 1, limit: 10 });

    expect(pending.total).toBe(1);
    expect(pending.items.map((order) => order._id.toHexString())).toEqual([kept._id.toHexString()]);
    expectOnlyIdQueries();
  });

  it('when pending orders pass the cutoff, then each is handed to the expiry once, and orders that left pending are not', async () => {
    const customer = new Types.ObjectId().toHexString();
    const due = await store.create(newOrder(customer));
    const confirmed = await store.create(newOrder(customer));
    await leavePending(store, confirmed, 'confirmed');
    // Buckets are whole seconds: the cutoff must lie past the end of the orders' second.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const later = new Date();
    const handed: string[] = [];
    const expire = async (order: { _id: Types.ObjectId }) => {
      handed.push(order._id.toHexString());
      const moved = await store.transition(order._id.toHexString(), {
        from: 'pending',
        to: 'cancelled',
        entry: { status: 'cancelled', at: later, by: 'system', reason: 'expired' },
        events: [],
      });
      return moved !== null;
    };
    queries = [];

    const early = await store.expireDue(new Date(due.createdAt.getTime() - 1_000), expire);
    const expired = await store.expireDue(later, expire);
    const again = await store.expireDue(later, expire);

    expect(early).toBe(0);
    expect(handed).toContain(due._id.toHexString());
    expect(handed).not.toContain(confirmed._id.toHexString());
    expect(expired).toBeGreaterThanOrEqual(1);
    expect(again).toBe(0);
    expect((await model.findById(due._id).lean())?.status).toBe('cancelled');
    expectOnlyIdQueries();
  });

  it('when events were saved but never relayed (a crash), then the backstop hands their order over until relayed', async () => {
    const customer = new Types.ObjectId().toHexString();
    const created = await store.create(newOrder(customer));
    const id = created._id.toHexString();
    const moved = await store.transition(id, {
      from: 'pending',
      to: 'cancelled',
      entry: { status: 'cancelled', at: new Date(), by: customer },
      events: statusChangeEvents(created, { from: 'pending', to: 'cancelled', by: customer, at: new Date() }),
    });
    expect(moved?.outbox.length).toBeGreaterThan(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    queries = [];

    // A relay that fails (Redis down) keeps the order for the next pass.
    await expect(
      store.relayUnpublished(async () => {
        throw new Error('redis down');
      }),
    ).rejects.toThrow('redis down');
    const handed: string[] = [];
    await store.relayUnpublished(async (orderId) => {
      handed.push(orderId);
      const order = await model.findById(orderId).lean();
      if (order) await store.dropPublished(orderId, order.outbox);
    });

    expect(handed).toContain(id);
    expect((await model.findById(id).lean())?.outbox).toEqual([]);
    const after: string[] = [];
    await store.relayUnpublished(async (orderId) => {
      after.push(orderId);
    });
    expect(after).not.toContain(id);
    expectOnlyIdQueries();
  });

  it('when idempotency keys expire, then the sweep deletes them and keeps the live ones', async () => {
    const keys = createIdempotencyModel(connection);
    await keys.init();
    const idempotency = createIdempotencyStore(keys, {
      writes: createDocumentWrites(mode),
      waitMs: 1_000,
      replayOrder: async () => undefined,
    });
    const userId = new Types.ObjectId().toHexString();
    await idempotency.claim(userId, 'early', 'f1');
    // Expiries are scheduled in whole seconds: a key may be swept up to a second after it expired.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await idempotency.claim(userId, 'late', 'f2');
    const ids = async () => (await keys.find({ userId }, { _id: 1 }).lean()).map((k) => k._id).sort();
    expect(await ids()).toEqual([`${userId}:early`, `${userId}:late`]);
    queries = [];

    await idempotency.sweepExpired(new Date());
    const betweenBoth = new Date(Date.now() + IDEMPOTENCY_WINDOW_MS - 600);
    await idempotency.sweepExpired(betweenBoth);
    const afterSweeps = [...queries];

    expect(await ids()).toEqual([`${userId}:late`]);
    queries = afterSweeps;
    expectOnlyIdQueries();
  });
});

describe('the _id-keyed time schedule (ferretdb mode)', () => {
  let connection: Connection;
  let reads = 0;

  beforeAll(async () => {
    const logger = createLogger('time-buckets-test', 'silent');
    connection = await connectMongo(mongoUrlFor(uniqueName('buckets_')), {
      logger,
      registry: new Registry(),
    });
    connection.getClient().on('commandStarted', (event) => {
      if (event.commandName === 'find') reads += 1;
    });
  });

  afterAll(async () => {
    await connection?.close();
  });

  it('when the schedule was not drained for days, then one drain hands over every due bucket in order, reading a document per hour, not per second', async () => {
    const buckets = new TimeBuckets(new IdLists(connection, 'schedule'), 1_000);
    const now = Date.now();
    const day = 24 * 3_600_000;
    await buckets.add(new Date(now - 3 * day), 'a');
    await buckets.add(new Date(now - 2 * day), 'b');
    await buckets.add(new Date(now - 2 * day), 'c');
    await buckets.add(new Date(now - day), 'd');
    await buckets.add(new Date(now + 5_000), 'later');
    reads = 0;

    const handed: string[][] = [];
    await buckets.drain(new Date(now), async (ids) => {
      handed.push(ids);
      return true;
    });
    const again: string[][] = [];
    await buckets.drain(new Date(now), async (ids) => {
      again.push(ids);
      return true;
    });

    expect(handed).toEqual([['a'], ['b', 'c'], ['d']]);
    expect(again).toEqual([]);
    // 3 days of one-second buckets would be 259,200 reads; one page per hour is 73, plus the buckets.
    expect(reads).toBeLessThan(100);
    const rest: string[][] = [];
    await buckets.drain(new Date(now + 10_000), async (ids) => {
      rest.push(ids);
      return true;
    });
    expect(rest).toEqual([['later']]);
  });

  it('when taking a bucket fails, then the next drain starts with that bucket again', async () => {
    const buckets = new TimeBuckets(new IdLists(connection, 'schedule_retry'), 1_000);
    const now = Date.now();
    await buckets.add(new Date(now - 10_000), 'first');
    await buckets.add(new Date(now - 5_000), 'second');

    const seen: string[] = [];
    await buckets.drain(new Date(now), async (ids) => {
      seen.push(...ids);
      return ids[0] !== 'second';
    });
    await buckets.drain(new Date(now), async (ids) => {
      seen.push(...ids);
      return true;
    });

    expect(seen).toEqual(['first', 'second', 'second']);
  });
});
