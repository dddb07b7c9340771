import { objectIdSchema } from '@ecom/service-kit';
import { z } from 'zod';

/** order-service makes every order id (a new ObjectId): anything else names no order. */
export const orderIdSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{24}$/, 'must be an ObjectId (24 hex digits)')
  .transform((id) => id.toLowerCase());

export const reservationRequestSchema = z.strictObject({
  orderId: orderIdSchema,
  items: z
    .array(z.strictObject({ productId: objectIdSchema, quantity: z.number().int().min(1).max(10_000) }))
    .min(1)
    .max(100)
    .describe('Repeated productIds are merged'),
});

export const orderIdParamsSchema = z.strictObject({ orderId: orderIdSchema });

export type ReservationRequest = z.output<typeof reservationRequestSchema>;
export type RequestedItem = ReservationRequest['items'][number];
