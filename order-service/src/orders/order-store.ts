import { ensureIndexes, inBatches } from '@ecom/service-kit';
import DataLoader from 'dataloader';
import { type Connection, Types } from 'mongoose';
import { createOrderModel } from './order-model';
import type { Order, OrderStatus, OutboxEvent, StatusEntry, WrittenOrder } from './order-types';

/** What the expiry needs of a pending order. */
export type DueOrder = Pick<Order, '_id' | 'userId' | 'items'>;

export interface OrdersPageQuery {
  status?: OrderStatus;
  page: number;
  limit: number;
}

export interface OrdersPage {
  /** Read without their outbox (left empty). */
  items: Order[];
  total: number;
}

export interface UnpublishedPass {
  /** Orders that still hold unpublished events, as far as this pass can tell. */
  backlog: number;
  /** More are waiting: run another pass soon. */
  more: boolean;
}

export interface Transition {
  from: OrderStatus;
  to: OrderStatus;
  entry: StatusEntry;
  /** Written in the same single-document update as the status, so no event is lost or invented. */
  events: OutboxEvent[];
}

const BATCH = 100;
/**
 * Published events leave their outboxes in one bulk write per window (group commit): the relay is
 * off the request path, so waiting buys one database command for many orders' drops. An event
 * still in the outbox after it went out costs nothing but a duplicate after a crash (consumers
 * dedupe), and an order's next event waits for its previous drop (order per order is kept).
 */
const DROP_WINDOW_MS = 1_000;
const MAX_DROPS_PER_WRITE = 500;
const WITHOUT_OUTBOX = { outbox: 0 } as const;
const HAS_UNPUBLISHED = { 'outbox.eventId': { $exists: true } };

/**
 * The order aggregate's storage. Every change of an order is one conditional single-document
 * write, filtered by the state it was judged against, so the server applies it only if nobody moved
 * the order first. Every query is served by one of the order schema's indexes ({userId, createdAt},
 * {status, createdAt}, {createdAt}, {outbox.eventId}).
 */
export async function createOrderStore(connection: Connection) {
  const model = createOrderModel(connection);
  // The unique request key is what makes an Idempotency-Key place one order: it exists before any write.
  await ensureIndexes([model]);
  /** The scheduled flush of the drops gathered so far, to run at once on shutdown. */
  let flushDrops: (() => void) | undefined;
  const drops = new DataLoader<{ id: string; events: OutboxEvent[] }, void>(
    async (batch) => {
      // Ordered: an order's events are popped in turn, each only while it is still first in line.
      await model.collection.bulkWrite(
        batch.flatMap(({ id, events }) =>
          events.map((event) => ({
            updateOne: {
              filter: { _id: new Types.ObjectId(id), 'outbox.0.eventId': event.eventId },
              update: { $pop: { outbox: -1 as const } },
            },
          })),
        ),
        { ordered: true },
      );
      return batch.map(() => undefined);
    },
    {
      cache: false,
      maxBatchSize: MAX_DROPS_PER_WRITE,
      batchScheduleFn: (dispatch) => {
        let done = false;
        const flush = () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          if (flushDrops === flush) flushDrops = undefined;
          dispatch();
        };
        const timer = setTimeout(flush, DROP_WINDOW_MS);
        flushDrops = flush;
      },
    },
  );
  async function page(filter: { userId?: string; status?: OrderStatus }, query: OrdersPageQuery) {
    const [items, total] = await Promise.all([
      model
        .find(filter, WITHOUT_OUTBOX)
        // _id breaks ties between orders created in the same millisecond, keeping pages stable.
        .sort({ createdAt: -1, _id: -1 })
        .skip((query.page - 1) * query.limit)
        .limit(query.limit)
        // Typed as before mongoose 9, which infers the projection: OrdersPage's outbox is left out.
        .lean<Order[]>(),
      model.countDocuments(filter),
    ]);
    return { items, total };
  }
  const withStatus = (query: OrdersPageQuery) => (query.status ? { status: query.status } : {});

  return {
    /**
     * Saves a new order as built by the placement (every field set, timestamps included) with the
     * driver: one insert, sent at once (an insert held back to share a command would die with a
     * killed process, leaving the reservation without its order), no document hydration.
     */
    async insert(order: Order): Promise<void> {
      await model.collection.insertOne(order);
    },

    /**
     * Saves orders built elsewhere (a bulk import), a batch per insert, unordered: the server need
     * not stop at a failed document, and rejects after trying the whole batch.
     */
    async insertMany(orders: Order[]): Promise<void> {
      await inBatches(orders, (batch) => model.collection.insertMany(batch, { ordered: false }));
    },

    /** One order without its outbox (what a customer or an admin may see of it). */
    byId: (id: string): Promise<Order | null> =>
      Types.ObjectId.isValid(id)
        ? model.collection.findOne<Order>({ _id: new Types.ObjectId(id) }, { projection: WITHOUT_OUTBOX })
        : Promise.resolve(null),

    /** What the outbox relay needs of an order: its owner and its unpublished events. */
    unpublishedOf: (id: string): Promise<WrittenOrder | null> =>
      model.collection.findOne<WrittenOrder>(
        { _id: new Types.ObjectId(id) },
        { projection: { userId: 1, outbox: 1 } },
      ),

    /** The order a request key placed, without its outbox. */
    findByRequestKey: (requestKey: string): Promise<Order | null> =>
      model.collection.findOne<Order>({ requestKey }, { projection: WITHOUT_OUTBOX }),

    /** Frees a key past its window, only while this order still holds it. */
    async clearRequestKey(id: Types.ObjectId, requestKey: string): Promise<void> {
      await model.collection.updateOne({ _id: id, requestKey }, { $unset: { requestKey: '' } });
    },

    /** The status of each of these orders that exists. */
    async statusesOf(ids: string[]): Promise<Map<string, OrderStatus>> {
      const valid = ids.filter((id) => Types.ObjectId.isValid(id)).map((id) => new Types.ObjectId(id));
      if (valid.length === 0) return new Map();
      const found = await model.collection
        .find<Pick<Order, '_id' | 'status'>>({ _id: { $in: valid } }, { projection: { status: 1 } })
        .toArray();
      return new Map(found.map((order) => [order._id.toHexString(), order.status]));
    },

    /** The order as written, or null when it no longer has status `from` (someone else moved it). */
    transition(id: string, { from, to, entry, events }: Transition): Promise<Order | null> {
      return model
        .findOneAndUpdate(
          { _id: id, status: from },
          { $set: { status: to }, $push: { statusHistory: entry, outbox: { $each: events } } },
          { returnDocument: 'after' },
        )
        .lean<Order>()
        .exec();
    },

    /**
     * Removes published events from the front of the outbox, each only while it is still first in
     * line, so a repeated pass never drops a newer event.
     */
    async dropPublished(id: string, events: OutboxEvent[]): Promise<void> {
      if (events.length > 0) await drops.load({ id, events });
    },

    /** Sends the drops gathered so far now instead of at the end of their window (shutdown). */
    flushDrops(): void {
      flushDrops?.();
    },

    /** Hands each pending order created before `cutoff` to `expire` (true: it moved); answers how many moved. */
    async expireDue(cutoff: Date, expire: (order: DueOrder) => Promise<boolean>): Promise<number> {
      let expired = 0;
      for (;;) {
        const due = await model
          .find({ status: 'pending', createdAt: { $lt: cutoff } }, { items: 1, userId: 1 })
          .limit(BATCH)
          .lean();
        let moved = 0;
        for (const order of due) if (await expire(order)) moved += 1;
        expired += moved;
        if (due.length < BATCH || moved === 0) return expired;
      }
    },

    /** A customer's orders, newest first. */
    ordersOfUser: (userId: string, query: OrdersPageQuery): Promise<OrdersPage> =>
      page({ userId, ...withStatus(query) }, query),
    /** Everybody's orders, newest first (an admin's listing). */
    allOrders: (query: OrdersPageQuery): Promise<OrdersPage> => page(withStatus(query), query),

    /** Relays, by id, orders holding events that a crash left unpublished, oldest change first. */
    async relayUnpublished(relay: (orderId: string) => Promise<void>): Promise<UnpublishedPass> {
      const pending = await model
        .find(HAS_UNPUBLISHED, { _id: 1 })
        .sort({ updatedAt: 1 })
        .limit(BATCH)
        .lean();
      const backlog = pending.length < BATCH ? pending.length : await model.countDocuments(HAS_UNPUBLISHED);
      for (const order of pending) await relay(order._id.toHexString());
      return { backlog, more: pending.length === BATCH };
    },
    /** How often the relay should call {@link relayUnpublished}: the request path relays the rest. */
    unpublishedCheckEveryMs: 10 * 60_000,
  };
}

export type OrderStore = Awaited<ReturnType<typeof createOrderStore>>;
