import { fromCents, HttpError, type Logger, toCents } from '@ecom/service-kit';
import type { Types } from 'mongoose';
import type { PendingUnitsLimit } from '../holds/pending-units-limit';
import { InventoryRejection, InventoryUnavailable } from '../inventory-client/errors';
import type { ReservationLine, ReservedItem } from '../inventory-client/http-client';
import { type OrderMetrics, recoveredError } from '../metrics';
import { orderCreatedEvent } from '../orders/order-events';
import type { OrderItem, OutboxKick } from '../orders/order-model';
import type { OrderStore } from '../orders/order-store';
import { type OrderJson, toOrderJson } from '../orders/serialize';
import type { ReleaseQueue } from './pending-releases';

export interface OrderSagaDeps {
  orderStore: OrderStore;
  inventory: {
    reserve(orderId: string, lines: ReservationLine[]): Promise<ReservedItem[]>;
    retryAfterSeconds(): number;
  };
  releases: ReleaseQueue;
  pendingUnits: PendingUnitsLimit;
  releaseRetrier: { kick(): void };
  outboxRelay: OutboxKick;
  metrics: OrderMetrics;
  currency: string;
}

export interface OrderSagaInput {
  orderId: Types.ObjectId;
  userId: string;
  lines: ReservationLine[];
  idempotencyKey?: string;
}

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
async function reservationFailed(deps: OrderSagaDeps, orderId: string, error: unknown, log: Logger) {
  const { metrics, releases } = deps;
  const guardLeft = recoveredError(
    { metrics, log },
    'forget_guard',
    orderId,
    'release guard left for the retrier',
  );
  if (error instanceof InventoryRejection) {
    await releases.forget(orderId).catch(guardLeft);
    metrics.failed.inc({ reason: error.status === 409 ? 'insufficient_stock' : 'invalid_items' });
    return error.status === 409
      ? HttpError.conflict(error.message, error.details)
      : HttpError.unprocessable(error.message, error.details);
  }
  const unknown = !(error instanceof InventoryUnavailable) || error.outcomeUnknown;
  if (unknown) {
    // product-service may have reserved after we stopped waiting: release, retried until acknowledged.
    await releases
      .releaseNow(orderId, 'unknown_outcome')
      .catch(
        recoveredError(
          { metrics, log },
          'release_now',
          orderId,
          'release not scheduled; the guard releases it later',
        ),
      );
    deps.releaseRetrier.kick();
  } else {
    await releases.forget(orderId).catch(guardLeft);
  }
  const circuitOpen = error instanceof InventoryUnavailable && error.circuitOpen;
  metrics.failed.inc({ reason: circuitOpen ? 'circuit_open' : 'product_service_unavailable' });
  return new HttpError(503, 'Product service is unavailable; please retry shortly', {
    headers: { 'Retry-After': String(deps.inventory.retryAfterSeconds()) },
    cause: error,
  });
}

/**
 * The placement saga: hold the customer's pending units, guard, reserve stock under the order id,
 * save the order as pending, forget the guard. Every path that ends without a saved order ends
 * without reserved stock too (now, or via the release retrier) and without held units.
 */
export async function runOrderSaga(
  deps: OrderSagaDeps,
  input: OrderSagaInput,
  log: Logger,
): Promise<OrderJson> {
  const orderId = input.orderId.toHexString();
  const units = input.lines.reduce((sum, line) => sum + line.quantity, 0);
  await deps.pendingUnits.hold(input.userId, orderId, units);
  try {
    return await reserveAndSave(deps, input, orderId, log);
  } catch (error) {
    await deps.pendingUnits.release(input.userId, orderId);
    throw error;
  }
}

async function reserveAndSave(
  deps: OrderSagaDeps,
  input: OrderSagaInput,
  orderId: string,
  log: Logger,
): Promise<OrderJson> {
  await deps.releases.guard(orderId);
  let items: OrderItem[];
  try {
    items = pricedItems(input.lines, await deps.inventory.reserve(orderId, input.lines));
  } catch (error) {
    throw await reservationFailed(deps, orderId, error, log);
  }

  const totalCents = items.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0);
  const now = new Date();
  let saved;
  try {
    saved = await deps.orderStore.create({
      _id: input.orderId,
      userId: input.userId,
      items,
      totalCents,
      currency: deps.currency,
      status: 'pending',
      statusHistory: [{ status: 'pending', at: now, by: input.userId }],
      idempotencyKey: input.idempotencyKey,
      outbox: [
        orderCreatedEvent({ items, totalAmount: fromCents(totalCents), currency: deps.currency }, now),
      ],
    });
  } catch (error) {
    deps.metrics.failed.inc({ reason: 'persist_failed' });
    await deps.releases
      .releaseNow(orderId, 'persist_failed')
      .catch(
        recoveredError(
          { metrics: deps.metrics, log },
          'release_now',
          orderId,
          'release not scheduled; the guard releases it later',
        ),
      );
    deps.releaseRetrier.kick();
    throw error;
  }
  // The order owns the reservation now; if this delete fails the retrier drops the guard itself.
  await deps.releases
    .forget(orderId)
    .catch(
      recoveredError(
        { metrics: deps.metrics, log },
        'forget_guard',
        orderId,
        'release guard left for the retrier',
      ),
    );
  deps.metrics.created.inc();
  deps.metrics.value.inc({ currency: deps.currency }, fromCents(totalCents));
  deps.outboxRelay.kick(orderId, saved);
  return toOrderJson(saved);
}
