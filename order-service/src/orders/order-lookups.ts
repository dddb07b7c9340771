import { IdLists } from '../lookups/id-lists';
import { indexedOrderQueries } from './indexed-order-queries';
import type { OrderModel } from './order-model';
import type { DueOrder, OrderIndex, OrdersPageQuery } from './order-index';
import { TimeBuckets } from '../lookups/time-buckets';

const BUCKET_MS = 1_000;
/** An id whose order is not saved this long after its bucket ended was never saved (a crash). */
const SAVE_GRACE_MS = 60_000;
/** Events younger than this are the request path's to relay; the journal is for what a crash left. */
const UNPUBLISHED_GRACE_MS = 30_000;
const PARALLEL_READS = 20;
const WITHOUT_OUTBOX = { outbox: 0 } as const;

/**
 * The `ferretdb` storage mode: FerretDB v1 evaluates every filter but `{_id: value}` by reading
 * the whole collection, so nothing on a request path or in a periodic pass queries orders by
 * anything else. Three `_id`-keyed structures, written before the order they point at:
 * - `order_ids_by_user`: `{_id: userId, ids}` — a customer's order history;
 * - `order_expiry_schedule`: order ids by the second of their creation — the expiry;
 * - `order_outbox_journal`: order ids by the bucket in which events were added — the relay's
 *   backstop after a crash between saving events and publishing them.
 * Orders written before these existed (or straight into the database) are neither listed by user
 * nor expired in this mode. An admin's listing of everyone's orders still scans.
 */
export function orderLookups(model: OrderModel, unpublishedGraceMs = UNPUBLISHED_GRACE_MS): OrderIndex {
  const connection = model.db;
  const expiry = new TimeBuckets(new IdLists(connection, 'order_expiry_schedule'), BUCKET_MS);
  const journal = new TimeBuckets(new IdLists(connection, 'order_outbox_journal'), BUCKET_MS);
  const byUser = new IdLists(connection, 'order_ids_by_user');

  async function readEach<T>(ids: string[], read: (id: string) => Promise<T | null>): Promise<T[]> {
    const found: T[] = [];
    for (let from = 0; from < ids.length; from += PARALLEL_READS) {
      const chunk = await Promise.all(ids.slice(from, from + PARALLEL_READS).map(read));
      for (const item of chunk) if (item) found.push(item);
    }
    return found;
  }
  const readOrder = (id: string) => model.findById(id, WITHOUT_OUTBOX).lean();

  async function ordersOfUser(userId: string, query: OrdersPageQuery) {
    // Appended in the order they were placed: newest last.
    const ids = (await byUser.read(userId)).reverse();
    const skip = (query.page - 1) * query.limit;
    if (!query.status) {
      const items = await readEach(ids.slice(skip, skip + query.limit), readOrder);
      return { items, total: ids.length };
    }
    // A filter by status reads all of this customer's orders (never anyone else's).
    const matching = (await readEach(ids, readOrder)).filter((order) => order.status === query.status);
    return { items: matching.slice(skip, skip + query.limit), total: matching.length };
  }

  async function expireDue(cutoff: Date, expire: (order: DueOrder) => Promise<boolean>) {
    let expired = 0;
    await expiry.drain(cutoff, async (ids, bucketEnd) => {
      for (const id of ids) {
        const order = await model
          .findById(id, { status: 1, createdAt: 1, userId: 1, items: 1 })
          .lean<DueOrder & { status: string; createdAt: Date }>();
        if (!order) {
          // Scheduled just before its insert: may still be on its way.
          if (Date.now() - bucketEnd.getTime() < SAVE_GRACE_MS) return false;
          continue;
        }
        if (order.status !== 'pending') continue;
        // Saved later than scheduled (a slow insert): not due yet, nor is anything after it.
        if (order.createdAt >= cutoff) return false;
        if (await expire(order)) expired += 1;
      }
      return true;
    });
    return expired;
  }

  return {
    // Cheap here (a few `_id` reads per pass), so often: a crash's events wait seconds, not minutes.
    unpublishedCheckEveryMs: BUCKET_MS,
    async created(order, at) {
      const id = order._id.toHexString();
      await Promise.all([expiry.add(at, id), journal.add(at, id), byUser.append(order.userId, id)]);
    },
    eventsAdded: (orderId, at) => journal.add(at, orderId),
    expireDue,
    ordersOfUser,
    allOrders: indexedOrderQueries(model).allOrders,
    async relayUnpublished(relay) {
      await journal.drain(new Date(Date.now() - unpublishedGraceMs), async (ids) => {
        for (const id of ids) await relay(id);
        return true;
      });
      // Everything the journal held up to the grace period is out (a failure throws instead).
      return { backlog: 0, more: false };
    },
  };
}
