import { fromCents } from '@ecom/service-kit';
import type { Order, OrderItem, OrderStatus } from './order-types';

export interface OrderItemJson {
  productId: string;
  productName: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
}

export interface OrderJson {
  id: string;
  userId: string;
  items: OrderItemJson[];
  totalAmount: number;
  currency: string;
  status: OrderStatus;
  statusHistory: Array<{ status: OrderStatus; at: string; by: string; reason?: string }>;
  createdAt: string;
  updatedAt: string;
}

export function toItemJson(item: OrderItem): OrderItemJson {
  return {
    productId: item.productId,
    productName: item.productName,
    quantity: item.quantity,
    unitPrice: fromCents(item.unitPriceCents),
    lineTotal: fromCents(item.unitPriceCents * item.quantity),
  };
}

/** The public shape; the outbox and idempotency key are internal and never leave the service. */
export function toOrderJson(order: Order): OrderJson {
  return {
    id: order._id.toHexString(),
    userId: order.userId,
    items: order.items.map(toItemJson),
    totalAmount: fromCents(order.totalCents),
    currency: order.currency,
    status: order.status,
    statusHistory: order.statusHistory.map((entry) => ({
      status: entry.status,
      at: entry.at.toISOString(),
      by: entry.by,
      ...(entry.reason ? { reason: entry.reason } : {}),
    })),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
