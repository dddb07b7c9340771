import { objectIdSchema, paginationShape } from '@ecom/service-kit';
import { z } from 'zod';
import { ORDER_STATUSES } from './order-types';

export const MAX_ITEMS = 50;
export const MAX_QUANTITY = 100;

const quantity = z.number().int().min(1).max(MAX_QUANTITY);

/**
 * Lowercased: product-service answers with lowercase ObjectIds, so merging duplicate lines and
 * matching the reservation's items to the order's lines only work on one spelling.
 */
export const orderLineSchema = z.strictObject({ productId: objectIdSchema.toLowerCase(), quantity });
export type OrderLine = z.output<typeof orderLineSchema>;

/** One line per product, in first-seen order, so product-service never sees a product twice. */
export function mergeLines(lines: OrderLine[]): OrderLine[] {
  const merged = new Map<string, number>();
  for (const line of lines) merged.set(line.productId, (merged.get(line.productId) ?? 0) + line.quantity);
  return [...merged].map(([productId, total]) => ({ productId, quantity: total }));
}

// Strict: unknown keys are refused. The owner always comes from the token; `userId` is accepted
// because the original API's clients send it, and the route refuses any id but the caller's (403).
export const createOrderBody = z.strictObject({
  userId: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe(
      "Optional; when present it must be the caller's own id (else 403). The order always belongs to the caller.",
    ),
  items: z.array(orderLineSchema).min(1).max(MAX_ITEMS).transform(mergeLines),
});

/**
 * Merged lines over the per-product limit. A rule on the whole order that no JSON Schema can
 * state (a sum per product), so it is a 422 after validation rather than a 400 from it.
 */
export function linesOverLimit(
  lines: OrderLine[],
): Array<{ productId: string; quantity: number; max: number }> {
  return lines
    .filter((line) => line.quantity > MAX_QUANTITY)
    .map((line) => ({ productId: line.productId, quantity: line.quantity, max: MAX_QUANTITY }));
}
export type CreateOrderInput = z.output<typeof createOrderBody>;

export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export const statusBody = z.strictObject({ status: z.enum(ORDER_STATUSES) });

export const listOrdersQuery = z.strictObject({
  ...paginationShape,
  userId: z.string().min(1).max(64).optional(),
  status: z.enum(ORDER_STATUSES).optional(),
});

// Response shapes, for the OpenAPI document.
const statusEntry = z.object({
  status: z.enum(ORDER_STATUSES),
  at: z.iso.datetime(),
  by: z.string().meta({ description: 'user id, or `system` for an expiry' }),
  reason: z.string().optional().meta({ description: 'why, when nobody asked for it (`expired`)' }),
});
export const orderItemResponse = z.object({
  productId: z.string(),
  productName: z.string(),
  quantity: z.number().int(),
  unitPrice: z.number(),
  lineTotal: z.number(),
});
export const orderResponse = z.object({
  id: z.string(),
  userId: z.string(),
  items: z.array(orderItemResponse),
  totalAmount: z.number(),
  currency: z.string(),
  status: z.enum(ORDER_STATUSES),
  statusHistory: z.array(statusEntry),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
