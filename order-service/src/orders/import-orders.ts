import { toCents } from '@ecom/service-kit';
import { type Connection, Types } from 'mongoose';
import { newOrder } from './new-order';
import { createOrderStore } from './order-store';
import { DEFAULT_CURRENCY, type Order, type OrderStatus, type StatusEntry } from './order-types';
import { NEXT_STATUSES } from './status-change';

export interface ImportedOrder {
  userId: string;
  /** Prices as decimal amounts (19.99), as product-service quotes them. */
  items: { productId: string; productName: string; unitPrice: number; quantity: number }[];
  /** Default: the service's default currency. */
  currency?: string;
  /** Default `pending`; a later status is reached through the lifecycle, step by step. */
  status?: OrderStatus;
}

/** Later steps of an imported order's history: nobody's request, so made by the system. */
const IMPORTED: Pick<StatusEntry, 'by' | 'reason'> = { by: 'system', reason: 'imported' };

/** The statuses from `pending` to `target` along the lifecycle (shortest way). */
function lifecyclePath(target: OrderStatus): OrderStatus[] {
  const paths = new Map<OrderStatus, OrderStatus[]>([['pending', ['pending']]]);
  const queue: OrderStatus[] = ['pending'];
  for (let status = queue.shift(); status !== undefined; status = queue.shift()) {
    for (const next of NEXT_STATUSES[status]) {
      if (!paths.has(next)) {
        paths.set(next, [...paths.get(status)!, next]);
        queue.push(next);
      }
    }
  }
  return paths.get(target)!;
}

function importedOrder(input: ImportedOrder, at: Date): Order {
  if (input.items.length === 0) throw new RangeError(`an order of ${input.userId} has no items`);
  const items = input.items.map((item) => {
    if (!Number.isSafeInteger(item.quantity) || item.quantity < 1) {
      throw new RangeError(`not a quantity: ${item.quantity}`);
    }
    const { productId, productName, quantity } = item;
    return { productId, productName, quantity, unitPriceCents: toCents(item.unitPrice) };
  });
  const currency = input.currency ?? DEFAULT_CURRENCY;
  const order = newOrder({ id: new Types.ObjectId(), userId: input.userId, items, currency, at });
  for (const status of lifecyclePath(input.status ?? 'pending').slice(1)) {
    order.status = status;
    order.statusHistory.push({ status, at, ...IMPORTED });
  }
  return order;
}

/**
 * Bulk import (the load tool's preload): stores the orders as placing them would have (totals in
 * cents, history, timestamps), without reserving stock, holding units or publishing events: their
 * outboxes are empty. Inserted through the order store in batches; resolves their ids in order.
 */
export async function importOrders(
  connection: Connection,
  orders: ImportedOrder[],
): Promise<{ orderIds: string[] }> {
  const at = new Date();
  const documents = orders.map((order) => importedOrder(order, at));
  const orderStore = await createOrderStore(connection);
  await orderStore.insertMany(documents);
  return { orderIds: documents.map((order) => order._id.toHexString()) };
}
