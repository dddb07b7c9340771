import { ORDER_EVENT_TYPES } from '@ecom/service-kit';
import { type Connection, type Model, Schema } from 'mongoose';
import {
  ORDER_STATUSES,
  type Order,
  type OrderItem,
  type OutboxEvent,
  type StatusEntry,
} from './order-types';

/** The orders collection's schema: order-store.ts alone builds its model. */
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

/** The orders' model on this connection (made once: a second store on it shares the first's). */
export function createOrderModel(connection: Connection): OrderModel {
  return (connection.models.Order as OrderModel | undefined) ?? connection.model<Order>('Order', orderSchema);
}
