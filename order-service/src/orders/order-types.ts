import type { OrderEventType } from '@ecom/service-kit';
import type { Types } from 'mongoose';

/** The order aggregate as the service reasons about it; its mongoose schema is order-model.ts (the store's). */

/** What an order is priced in unless configured otherwise (ORDER_CURRENCY). */
export const DEFAULT_CURRENCY = 'USD';

export const ORDER_STATUSES = ['pending', 'confirmed', 'shipped', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderItem {
  productId: string;
  productName: string;
  quantity: number;
  /** Integer cents: sums and products stay exact. */
  unitPriceCents: number;
}

export interface StatusEntry {
  status: OrderStatus;
  at: Date;
  /** User id of whoever made the change, or `system` for one nobody asked for (expiry, import). */
  by: string;
  /** Why, where the change was not someone's request (e.g. `expired`). */
  reason?: string;
}

/** An event not yet on the Redis stream; written in the same update as the change it describes. */
export interface OutboxEvent {
  eventId: string;
  type: OrderEventType;
  occurredAt: Date;
  /** JSON, exactly as it will be published. */
  data: string;
  /** W3C trace context of the request that caused the event, so its consumers join that trace. */
  traceparent?: string;
}

export interface Order {
  _id: Types.ObjectId;
  userId: string;
  items: OrderItem[];
  totalCents: number;
  currency: string;
  status: OrderStatus;
  statusHistory: StatusEntry[];
  idempotencyKey?: string;
  /** `userId:Idempotency-Key`, unique: one order per key (cleared once the key's window has passed). */
  requestKey?: string;
  /** Hash of the request the key came with (see fingerprintOf): the key with another body is refused. */
  requestFingerprint?: string;
  outbox: OutboxEvent[];
  createdAt: Date;
  updatedAt: Date;
}

/** An order as a request just wrote it: all the outbox relay needs to publish its events. */
export type WrittenOrder = Pick<Order, '_id' | 'userId' | 'outbox'>;

/** The relay as the code that changes orders sees it (it lives in events/, which depends on orders/). */
export interface OutboxKick {
  /** Publishes this order's events now; `written` spares the relay reading the order back. */
  kick(orderId?: string, written?: WrittenOrder): void;
}
