import { randomUUID } from 'node:crypto';
import { currentTraceparent, type OrderEventPayload, type OrderEventType } from '@ecom/service-kit';
import type { OrderItem, OrderStatus, OutboxEvent } from './order-types';
import { toItemJson } from './serialize';

function outboxEvent<Type extends OrderEventType>(
  type: Type,
  occurredAt: Date,
  data: OrderEventPayload<Type>,
): OutboxEvent {
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
  const events: OutboxEvent[] = [
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
