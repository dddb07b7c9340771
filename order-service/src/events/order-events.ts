import { randomUUID } from 'node:crypto';
import { currentTraceparent } from '@ecom/service-kit';
import type { OrderEventType, OrderItem, OrderStatus, OutboxEvent } from '../orders/model';
import { toItemJson } from '../orders/serialize';

/** The shared stream every service reads order events from (see docs/events.md). */
export const ORDERS_STREAM = 'events:orders';

function outboxEvent(type: OrderEventType, occurredAt: Date, data: unknown): OutboxEvent {
  const event: OutboxEvent = { eventId: randomUUID(), type, occurredAt, data: JSON.stringify(data) };
  const traceparent = currentTraceparent();
  if (traceparent) event.traceparent = traceparent;
  return event;
}

export function orderCreatedEvent(
  order: { items: OrderItem[]; totalAmount: number; currency: string },
  at: Date,
): OutboxEvent {
  return outboxEvent('order.created', at, {
    status: 'pending',
    items: order.items.map(toItemJson),
    totalAmount: order.totalAmount,
    currency: order.currency,
  });
}

/** Every transition gets `order.status_changed`; a cancellation also gets `order.cancelled`. */
export function statusChangeEvents(
  order: { items: OrderItem[] },
  change: { from: OrderStatus; to: OrderStatus; by: string; at: Date },
): OutboxEvent[] {
  const events = [
    outboxEvent('order.status_changed', change.at, { from: change.from, to: change.to, by: change.by }),
  ];
  if (change.to === 'cancelled') {
    events.push(
      outboxEvent('order.cancelled', change.at, {
        previousStatus: change.from,
        by: change.by,
        items: order.items.map((item) => ({ productId: item.productId, quantity: item.quantity })),
      }),
    );
  }
  return events;
}
