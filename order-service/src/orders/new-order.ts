import type { Types } from 'mongoose';
import type { Order, OrderItem } from './order-types';

export interface NewOrderInput {
  id: Types.ObjectId;
  userId: string;
  /** Priced in integer cents. */
  items: OrderItem[];
  currency: string;
  at: Date;
}

/**
 * An order as placing it stores it: pending, its total summed in cents, its customer's first
 * history entry, created and updated `at`, an empty outbox (the placement adds its event).
 */
export function newOrder({ id, userId, items, currency, at }: NewOrderInput): Order {
  return {
    _id: id,
    userId,
    items,
    totalCents: items.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0),
    currency,
    status: 'pending',
    statusHistory: [{ status: 'pending', at, by: userId }],
    outbox: [],
    createdAt: at,
    updatedAt: at,
  };
}
