import type { Order, OrderModel, OrderStatus } from './order-model';
import type { DueOrder, OrderIndex, OrdersPageQuery } from './order-index';

const BATCH = 100;
const WITHOUT_OUTBOX = { outbox: 0 } as const;
const HAS_UNPUBLISHED = { 'outbox.eventId': { $exists: true } };

/**
 * The `mongodb` storage mode: plain queries, each served by one of the order schema's indexes
 * ({status, createdAt}, {userId, createdAt}, {createdAt}, {outbox.eventId}); nothing else is written.
 */
export function indexedOrderQueries(model: OrderModel): OrderIndex {
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
    unpublishedCheckEveryMs: 10 * 60_000,
    created: async () => undefined,
    eventsAdded: async () => undefined,

    async expireDue(cutoff: Date, expire: (order: DueOrder) => Promise<boolean>) {
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

    ordersOfUser: (userId, query) => page({ userId, ...withStatus(query) }, query),
    allOrders: (query) => page(withStatus(query), query),

    async relayUnpublished(relay) {
      const pending = await model
        .find(HAS_UNPUBLISHED, { _id: 1 })
        .sort({ updatedAt: 1 })
        .limit(BATCH)
        .lean();
      const backlog = pending.length < BATCH ? pending.length : await model.countDocuments(HAS_UNPUBLISHED);
      for (const order of pending) await relay(order._id.toHexString());
      return { backlog, more: pending.length === BATCH };
    },
  };
}
