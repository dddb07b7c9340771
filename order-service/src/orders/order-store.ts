import type { DocumentWrites } from '@ecom/service-kit';
import { indexedOrderQueries } from './indexed-order-queries';
import type { DueOrder, OrderIndex, OrdersPageQuery } from './order-index';
import { orderLookups } from './order-lookups';
import type { Order, OrderModel, OrderStatus, OutboxEvent, StatusEntry } from './order-model';

export type NewOrder = Omit<Order, 'createdAt' | 'updatedAt'>;

export interface Transition {
  from: OrderStatus;
  to: OrderStatus;
  entry: StatusEntry;
  /** Written in the same single-document update as the status, so no event is lost or invented. */
  events: OutboxEvent[];
}

/**
 * The order aggregate's storage. Every change of an order is one single-document write, guarded
 * by the state it was judged against (see DocumentWrites for how that is atomic on each backend).
 * Finding orders other than by `_id` (by owner, due to expire, with unpublished events) is an
 * index query on MongoDB and an `_id`-keyed lookup on FerretDB, which scans for anything else.
 */
export function createOrderStore(
  model: OrderModel,
  writes: DocumentWrites,
  options: {
    /** FerretDB mode: how old unrelayed events must be before the backstop takes them. */ unpublishedGraceMs?: number;
  } = {},
) {
  const index: OrderIndex =
    writes.mode === 'mongodb' ? indexedOrderQueries(model) : orderLookups(model, options.unpublishedGraceMs);
  return {
    async create(order: NewOrder): Promise<Order> {
      await index.created(order, new Date());
      return (await model.create(order)).toObject();
    },

    /** The order as written, or null when it no longer has status `from` (someone else moved it). */
    async transition(id: string, { from, to, entry, events }: Transition): Promise<Order | null> {
      if (events.length > 0) await index.eventsAdded(id, new Date());
      return writes.updateAndGet(
        model,
        id,
        { status: from },
        { $set: { status: to }, $push: { statusHistory: entry, outbox: { $each: events } } },
      );
    },

    /**
     * Removes published events from the front of the outbox, each only while it is still first in
     * line, so a repeated pass never drops a newer event.
     */
    async dropPublished(id: string, events: OutboxEvent[]): Promise<void> {
      for (const event of events) {
        const dropped = await writes.update(
          model,
          id,
          { 'outbox.0.eventId': event.eventId },
          { $pop: { outbox: -1 } },
          { timestamps: false },
        );
        if (!dropped) return;
      }
    },

    /** Hands each pending order created before `cutoff` to `expire` (true: it moved); answers how many moved. */
    expireDue: (cutoff: Date, expire: (order: DueOrder) => Promise<boolean>) =>
      index.expireDue(cutoff, expire),
    /** A customer's orders, newest first. */
    ordersOfUser: (userId: string, query: OrdersPageQuery) => index.ordersOfUser(userId, query),
    /** Everybody's orders, newest first (on FerretDB a scan: see the README). */
    allOrders: (query: OrdersPageQuery) => index.allOrders(query),
    /** Relays, by id, orders that may hold events a crash left unpublished. */
    relayUnpublished: (relay: (orderId: string) => Promise<void>) => index.relayUnpublished(relay),
    /** How often the relay should call {@link relayUnpublished}. */
    unpublishedCheckEveryMs: index.unpublishedCheckEveryMs,
  };
}

export type OrderStore = ReturnType<typeof createOrderStore>;
