import { fromCents, isDuplicateKey, toCents } from '@ecom/service-kit';
import type { Types } from 'mongoose';
import type { PendingUnitsLimit } from '../holds/pending-units-limit';
import { InventoryRejection, InventoryUnavailable } from '../inventory-client/inventory-client-errors';
import type { ReservationLine, ReservedItem } from '../inventory-client/http-client';
import type { OrderMetrics } from '../metrics';
import { orderCreatedEvent } from '../orders/order-events';
import { newOrder } from '../orders/new-order';
import type { Order, OrderItem, OutboxKick } from '../orders/order-types';
import type { OrderStore } from '../orders/order-store';
import { InsufficientStock, ProductServiceUnavailable, ProductsUnavailable } from './placement-errors';
import type { UnplacedOrders } from './unplaced-orders';

export interface OrderSagaDeps {
  orderStore: OrderStore;
  inventory: {
    reserve(orderId: string, lines: ReservationLine[]): Promise<ReservedItem[]>;
    retryAfterSeconds(): number;
  };
  unplaced: Pick<UnplacedOrders, 'releaseLater'>;
  pendingUnits: PendingUnitsLimit;
  outboxRelay: OutboxKick;
  metrics: OrderMetrics;
  currency: string;
}

export interface OrderSagaInput {
  orderId: Types.ObjectId;
  userId: string;
  lines: ReservationLine[];
  idempotency?: { key: string; requestKey: string; fingerprint: string };
}

/** The saga's end: the saved order, or the order that already holds the request's key. */
export type SagaResult = { kind: 'placed'; order: Order } | { kind: 'key_taken'; requestKey: string };

/** Items in the customer's order, priced with what product-service charged for the reservation. */
function pricedItems(lines: ReservationLine[], reserved: ReservedItem[]): OrderItem[] {
  const byProduct = new Map(reserved.map((item) => [item.productId, item]));
  return lines.map((line) => {
    const item = byProduct.get(line.productId)!;
    return {
      productId: line.productId,
      productName: item.name,
      quantity: line.quantity,
      unitPriceCents: toCents(item.unitPrice),
    };
  });
}

/** Turns a failed reservation into the client's answer, making sure no stock stays taken. */
async function reservationFailed(deps: OrderSagaDeps, input: OrderSagaInput, error: unknown) {
  const orderId = input.orderId.toHexString();
  if (error instanceof InventoryRejection) {
    await deps.pendingUnits.release(input.userId, orderId);
    deps.metrics.failed.inc({ reason: error.status === 409 ? 'insufficient_stock' : 'invalid_items' });
    return error.status === 409
      ? new InsufficientStock(error.message, error.details)
      : new ProductsUnavailable(error.message, error.details);
  }
  const unknown = !(error instanceof InventoryUnavailable) || error.outcomeUnknown;
  // product-service may have reserved after we stopped waiting: the hold entry stays until released.
  if (unknown) deps.unplaced.releaseLater(input.userId, orderId);
  else await deps.pendingUnits.release(input.userId, orderId);
  const circuitOpen = error instanceof InventoryUnavailable && error.circuitOpen;
  deps.metrics.failed.inc({ reason: circuitOpen ? 'circuit_open' : 'product_service_unavailable' });
  return new ProductServiceUnavailable(deps.inventory.retryAfterSeconds(), error);
}

/**
 * After the customer's units are held (the hold entry is the durable record of this placement):
 * reserve stock under the order id, then save the order — one insert that carries its first event
 * and its Idempotency-Key. Every path that ends without a saved order gives the stock and the
 * units back (now, or through `unplaced`).
 */
export async function reserveAndSave(deps: OrderSagaDeps, input: OrderSagaInput): Promise<SagaResult> {
  const orderId = input.orderId.toHexString();
  let items: OrderItem[];
  try {
    items = pricedItems(input.lines, await deps.inventory.reserve(orderId, input.lines));
  } catch (error) {
    throw await reservationFailed(deps, input, error);
  }

  const now = new Date();
  const order = newOrder({
    id: input.orderId,
    userId: input.userId,
    items,
    currency: deps.currency,
    at: now,
  });
  const { totalCents } = order;
  order.outbox.push(
    orderCreatedEvent({ items, totalAmount: fromCents(totalCents), currency: deps.currency }, now),
  );
  if (input.idempotency) {
    order.idempotencyKey = input.idempotency.key;
    order.requestKey = input.idempotency.requestKey;
    order.requestFingerprint = input.idempotency.fingerprint;
  }
  try {
    await deps.orderStore.insert(order);
  } catch (error) {
    // Not saved (or not known to be): the stock goes back unless the order turns out to exist.
    deps.unplaced.releaseLater(input.userId, orderId);
    if (input.idempotency && isDuplicateKey(error)) {
      return { kind: 'key_taken', requestKey: input.idempotency.requestKey };
    }
    deps.metrics.failed.inc({ reason: 'persist_failed' });
    throw error;
  }
  deps.metrics.created.inc();
  deps.metrics.value.inc({ currency: deps.currency }, fromCents(totalCents));
  deps.outboxRelay.kick(orderId, order);
  return { kind: 'placed', order };
}
