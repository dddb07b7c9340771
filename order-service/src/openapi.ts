import { idParamsSchema, type RouteDoc } from '@ecom/service-kit';
import { z } from 'zod';
import {
  createOrderBody,
  idempotencyKeySchema,
  listOrdersQuery,
  orderItemResponse,
  orderResponse,
  statusBody,
} from './orders/order-schemas';

const tags = ['Orders'];
const auth = 'bearer' as const;
const pageOf = (item: z.ZodType) =>
  z.object({
    items: z.array(item),
    page: z.number(),
    limit: z.number(),
    total: z.number(),
    pages: z.number(),
  });

export const orderRoutesDoc: RouteDoc[] = [
  {
    method: 'post',
    path: '/orders',
    summary: 'Place an order: reserves stock on product-service and prices it server-side',
    tags,
    auth,
    body: createOrderBody,
    headers: [
      {
        name: 'Idempotency-Key',
        description: 'Same key + same body within 24 h replays the first answer; another body gives 422',
        schema: idempotencyKeySchema,
      },
    ],
    responses: {
      201: { description: 'Order placed as pending', schema: orderResponse },
      400: { description: 'Invalid body or Idempotency-Key' },
      401: { description: 'Missing or invalid token' },
      403: { description: "userId names another user (it may only be the caller's own id)" },
      409: { description: 'Insufficient stock (details per product) or same key still in progress' },
      422: {
        description:
          'Unknown or inactive product, over 100 units of one product in total, or Idempotency-Key reused with another body',
      },
      503: { description: 'Product service unavailable; see Retry-After' },
    },
  },
  {
    method: 'get',
    path: '/orders',
    summary: 'List own orders, newest first (admins: all, filter by userId and status)',
    tags,
    auth,
    query: listOrdersQuery,
    responses: {
      200: { description: 'A page of orders', schema: pageOf(orderResponse) },
      403: { description: 'A customer asked for another user' },
    },
  },
  {
    method: 'get',
    path: '/orders/:id',
    summary: 'One order (owner or admin)',
    tags,
    auth,
    params: idParamsSchema,
    responses: {
      200: { description: 'The order', schema: orderResponse },
      404: { description: 'No such order, or not yours' },
    },
  },
  {
    method: 'get',
    path: '/orders/:id/items',
    summary: "An order's line items",
    tags,
    auth,
    params: idParamsSchema,
    responses: {
      200: {
        description: 'The items',
        schema: z.object({ orderId: z.string(), items: z.array(orderItemResponse) }),
      },
      404: { description: 'No such order, or not yours' },
    },
  },
  {
    method: 'put',
    path: '/orders/:id/status',
    summary: 'Change status (admin: any legal transition; owner: cancel while pending)',
    tags,
    auth,
    params: idParamsSchema,
    body: statusBody,
    responses: {
      200: { description: 'The updated order', schema: orderResponse },
      403: { description: 'A customer tried something other than cancelling' },
      404: { description: 'No such order, or not yours' },
      409: { description: 'Illegal transition from the current status (named in the message)' },
    },
  },
];
