import { type AuthUser, HttpError, type Page, toPage } from '@ecom/service-kit';
import type { z } from 'zod';
import type { Order, OrderModel } from './order-model';
import type { listOrdersQuery } from './order-schemas';
import { type OrderJson, toOrderJson } from './serialize';

const WITHOUT_OUTBOX = { outbox: 0 } as const;

/** Someone else's order is reported as missing (404), so ids cannot be probed for existence. */
export async function findVisibleOrder(orders: OrderModel, id: string, user: AuthUser): Promise<Order> {
  // By `_id` alone, then the owner check here: FerretDB v1 scans the collection for any other filter.
  const order = await orders.findById(id, WITHOUT_OUTBOX).lean();
  if (!order || (user.role !== 'admin' && order.userId !== user.id))
    throw HttpError.notFound('Order not found');
  return order;
}

export async function listOrders(
  orders: OrderModel,
  user: AuthUser,
  query: z.output<typeof listOrdersQuery>,
): Promise<Page<OrderJson>> {
  const isAdmin = user.role === 'admin';
  if (!isAdmin && query.userId !== undefined && query.userId !== user.id) {
    throw HttpError.forbidden("Only admins can list other users' orders");
  }
  const filter: { userId?: string; status?: string } = {};
  if (!isAdmin) filter.userId = user.id;
  else if (query.userId) filter.userId = query.userId;
  if (query.status) filter.status = query.status;

  const [items, total] = await Promise.all([
    orders
      .find(filter, WITHOUT_OUTBOX)
      // _id breaks ties between orders created in the same millisecond, keeping pages stable.
      .sort({ createdAt: -1, _id: -1 })
      .skip((query.page - 1) * query.limit)
      .limit(query.limit)
      .lean(),
    orders.countDocuments(filter),
  ]);
  return toPage(items.map(toOrderJson), total, query.page, query.limit);
}
