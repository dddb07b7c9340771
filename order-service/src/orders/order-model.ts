import { ORDER_EVENT_TYPES, type OrderEventType } from '@ecom/service-kit';
import { type Connection, type Model, Schema, type Types } from 'mongoose';

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
  /** User id of whoever made the change, or `system` for an expiry. */
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

export type OrderModel = Model<Order>;

const cents = { type: Number, required: true, min: 0, validate: Number.isSafeInteger };

const itemSchema = new Schema<OrderItem>(
  {
    productId: { type: String, required: true },
    productName: { type: String, required: true },
    quantity: { type: Number, required: true, min: 1 },
    unitPriceCents: cents,
  },
  { _id: false },
);

const statusEntrySchema = new Schema<StatusEntry>(
  {
    status: { type: String, enum: ORDER_STATUSES, required: true },
    at: { type: Date, required: true },
    by: { type: String, required: true },
    reason: { type: String },
  },
  { _id: false },
);

const outboxEventSchema = new Schema<OutboxEvent>(
  {
    eventId: { type: String, required: true },
    type: { type: String, enum: ORDER_EVENT_TYPES, required: true },
    occurredAt: { type: Date, required: true },
    data: { type: String, required: true },
    traceparent: { type: String },
  },
  { _id: false },
);

const orderSchema = new Schema<Order>(
  {
    userId: { type: String, required: true },
    items: { type: [itemSchema], required: true },
    totalCents: cents,
    currency: { type: String, required: true },
    status: { type: String, enum: ORDER_STATUSES, required: true },
    statusHistory: { type: [statusEntrySchema], default: [] },
    idempotencyKey: { type: String },
    requestKey: { type: String },
    requestFingerprint: { type: String },
    outbox: { type: [outboxEventSchema], default: [] },
  },
  { timestamps: true },
);

// "My orders, newest first" and the admin's status filter.
orderSchema.index({ userId: 1, createdAt: -1 });
orderSchema.index({ status: 1, createdAt: -1 });
orderSchema.index({ createdAt: -1 });
// One order per Idempotency-Key; sparse: orders placed without a key are not in it.
orderSchema.index({ requestKey: 1 }, { unique: true, sparse: true });
// Lets the outbox relay find orders with unpublished events without scanning every order.
orderSchema.index({ 'outbox.eventId': 1 });

export function createOrderModel(connection: Connection): OrderModel {
  return connection.model<Order>('Order', orderSchema);
}
