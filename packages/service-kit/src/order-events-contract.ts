import { z } from 'zod';

/**
 * The order event stream, as docs/events.md describes it: the one place producer (order-service)
 * and consumers (product-service) take its name, entry fields and payload shapes from.
 */

/** Read and written without a key prefix: every service agrees on this name. */
export const ORDERS_STREAM = 'events:orders';

export const ORDER_EVENT_TYPES = ['order.created', 'order.status_changed', 'order.cancelled'] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/**
 * The fields of one stream entry, all strings; `sig` is the producer's HMAC (event-signature.ts),
 * `traceparent` only there when the request was traced.
 */
export type OrderEventEntry = {
  id: string;
  type: OrderEventType;
  orderId: string;
  userId: string;
  occurredAt: string;
  /** JSON of the payload for `type` (below). */
  data: string;
  sig?: string;
  traceparent?: string;
};

/** XADD's field/value list, in the documented order. */
export function orderEventEntryFields(entry: OrderEventEntry): string[] {
  return [
    ...['id', entry.id, 'type', entry.type, 'orderId', entry.orderId, 'userId', entry.userId],
    ...['occurredAt', entry.occurredAt, 'data', entry.data],
    ...(entry.sig ? ['sig', entry.sig] : []),
    ...(entry.traceparent ? ['traceparent', entry.traceparent] : []),
  ];
}

const orderEventItemSchema = z.object({
  productId: z.string(),
  productName: z.string(),
  quantity: z.number().int(),
  unitPrice: z.number(),
  lineTotal: z.number(),
});

/** The `data` of each event type. */
export const orderEventPayloadSchemas = {
  'order.created': z.object({
    status: z.literal('pending'),
    items: z.array(orderEventItemSchema),
    totalAmount: z.number(),
    currency: z.string(),
  }),
  'order.status_changed': z.object({ from: z.string(), to: z.string(), by: z.string() }),
  'order.cancelled': z.object({
    previousStatus: z.string(),
    by: z.string(),
    items: z.array(z.object({ productId: z.string(), quantity: z.number().int() })),
  }),
} satisfies Record<OrderEventType, z.ZodType>;

export type OrderEventPayload<Type extends OrderEventType> = z.infer<(typeof orderEventPayloadSchemas)[Type]>;
