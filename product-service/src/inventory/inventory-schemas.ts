import { objectIdSchema } from '@ecom/service-kit';
import { z } from 'zod';

export const orderIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-" (an ObjectId or a UUID)');

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
