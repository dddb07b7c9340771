import { idParamsSchema, json, pageSchema, routeGroup, type RouteDoc } from '@ecom/service-kit';
import { z } from 'zod';
import {
  createOrderBody,
  idempotencyKeySchema,
  listOrdersQuery,
  orderItemResponse,
  orderResponse,
  statusBody,
} from './orders/order-schemas';

const route = routeGroup({ tags: ['Orders'], auth: 'bearer' });
const notYours = 'No such order, or not yours';
const idempotencyKeyHeader = {
  name: 'Idempotency-Key',
  description: 'Same key + same body within 24 h replays the first answer; another body gives 422',
  schema: idempotencyKeySchema,
};

export const orderRoutesDoc: RouteDoc[] = [
  route('post', '/orders', 'Place an order: reserves stock on product-service and prices it server-side', {
    body: createOrderBody,
    headers: [idempotencyKeyHeader],
    responses: {
      201: json('Order placed as pending', orderResponse),
      400: 'Invalid body or Idempotency-Key',
      401: 'Missing or invalid token',
      403: "userId names another user (it may only be the caller's own id)",
      409: 'Insufficient stock (details per product), a cap on units awaiting payment (per customer or per client address: details.reason), or same key still in progress',
      422: 'Unknown or inactive product, over 100 units of one product in total, or Idempotency-Key reused with another body',
      503: 'Product service unavailable; see Retry-After',
    },
  }),
  route('get', '/orders', 'List own orders, newest first (admins: all, filter by userId and status)', {
    query: listOrdersQuery,
    responses: {
      200: json('A page of orders', pageSchema(orderResponse)),
      403: 'A customer asked for another user',
    },
  }),
  route('get', '/orders/:id', 'One order (owner or admin)', {
    params: idParamsSchema,
    responses: { 200: json('The order', orderResponse), 404: notYours },
  }),
  route('get', '/orders/:id/items', "An order's line items", {
    params: idParamsSchema,
    responses: {
      200: json('The items', z.object({ orderId: z.string(), items: z.array(orderItemResponse) })),
      404: notYours,
    },
  }),
  route(
    'put',
    '/orders/:id/status',
    'Change status (admin: any legal transition; owner: cancel while pending)',
    {
      params: idParamsSchema,
      body: statusBody,
      responses: {
        200: json('The updated order', orderResponse),
        403: 'A customer asked for a status other than cancelled',
        404: notYours,
        409: 'Not possible from the current status (in details.currentStatus): an illegal transition, or a customer cancelling an order that is no longer pending',
      },
    },
  ),
];
