import { type AuthUser, type Page, toPage } from '@ecom/service-kit';
import type { z } from 'zod';
import { OrderNotFound, OthersOrdersForbidden } from './order-errors';
import type { Order } from './order-types';
import type { OrderStore } from './order-store';
import type { listOrdersQuery } from './order-schemas';
import { type OrderJson, toOrderJson } from './serialize';

/** Someone else's order is reported as missing (404), so ids cannot be probed for existence. */
export async function findVisibleOrder(
  orders: Pick<OrderStore, 'byId'>,
  id: string,
  user: AuthUser,
): Promise<Order> {
  const order = await orders.byId(id);
  if (!order || (user.role !== 'admin' && order.userId !== user.id)) throw new OrderNotFound();
  return order;
}

export async function listOrders(
  orderStore: OrderStore,
  user: AuthUser,
  query: z.output<typeof listOrdersQuery>,
): Promise<Page<OrderJson>> {
  const isAdmin = user.role === 'admin';
  if (!isAdmin && query.userId !== undefined && query.userId !== user.id) {
    throw new OthersOrdersForbidden();
  }
  const owner = isAdmin ? query.userId : user.id;
  const pageQuery = { status: query.status, page: query.page, limit: query.limit };
  const { items, total } = owner
    ? await orderStore.ordersOfUser(owner, pageQuery)
    : await orderStore.allOrders(pageQuery);
  return toPage(items.map(toOrderJson), total, query.page, query.limit);
}
