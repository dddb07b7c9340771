import type { DocumentWrites } from '@ecom/service-kit';
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
 * Writes of the order aggregate: every change of an order is one single-document write, guarded
 * by the state it was judged against (see DocumentWrites for how that is atomic on each backend).
 */
export function createOrderStore(model: OrderModel, writes: DocumentWrites) {
  return {
    async create(order: NewOrder): Promise<Order> {
      return (await model.create(order)).toObject();
    },

    /** The order as written, or null when it no longer has status `from` (someone else moved it). */
    transition(id: string, { from, to, entry, events }: Transition): Promise<Order | null> {
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
  };
}

export type OrderStore = ReturnType<typeof createOrderStore>;
