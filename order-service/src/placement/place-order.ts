import { HttpError, type Logger } from '@ecom/service-kit';
import { Types } from 'mongoose';
import { fingerprintOf, type IdempotencyStore } from '../idempotency/idempotency-store';
import type { ReservationLine } from '../inventory-client/http-client';
import { recoveredError } from '../metrics';
import type { OrderJson } from '../orders/serialize';
import { type OrderSagaDeps, runOrderSaga } from './order-saga';

export interface PlaceOrderDeps extends OrderSagaDeps {
  idempotency: Pick<IdempotencyStore, 'claim' | 'abandon' | 'complete'>;
}

export interface PlaceOrderRequest {
  userId: string;
  /** One line per product (merged), each within the per-product limit. */
  lines: ReservationLine[];
  /** The validated Idempotency-Key header, when the client sent one. */
  idempotencyKey?: string;
}

/** What the client gets: the new order, or the answer a repeated Idempotency-Key got first. */
export type PlaceOrderResult =
  { replayed: false; status: 201; body: OrderJson } | { replayed: true; status: number; body: unknown };

/**
 * Placing an order, idempotently when the client sent a key: the key is claimed first (or its
 * original answer replayed), freed when the attempt changed nothing, completed with the order.
 */
export async function placeOrder(
  deps: PlaceOrderDeps,
  request: PlaceOrderRequest,
  log: Logger,
): Promise<PlaceOrderResult> {
  const { userId, lines, idempotencyKey } = request;
  if (idempotencyKey === undefined) {
    const order = await runOrderSaga(deps, { orderId: new Types.ObjectId(), userId, lines }, log);
    return { replayed: false, status: 201, body: order };
  }
  return placeIdempotently(deps, { userId, lines, idempotencyKey }, log);
}

async function placeIdempotently(
  deps: PlaceOrderDeps,
  request: Required<PlaceOrderRequest>,
  log: Logger,
): Promise<PlaceOrderResult> {
  const { userId, lines, idempotencyKey: key } = request;
  const claim = await deps.idempotency.claim(userId, key, fingerprintOf(lines));
  if (claim.kind === 'replay') return { replayed: true, status: claim.status, body: claim.body };
  const orderId = claim.orderId.toHexString();
  const ctx = { metrics: deps.metrics, log };
  const input = { orderId: claim.orderId, userId, lines, idempotencyKey: key };
  const order = await runOrderSaga(deps, input, log).catch(async (error: unknown) => {
    // A refusal or a 503 changed nothing, so the key is freed for an honest retry. After an
    // unexpected error the order may exist after all: the key stays held until its lease
    // runs out, and then the next attempt replays that order if it was saved.
    if (error instanceof HttpError) {
      await deps.idempotency
        .abandon(userId, key, claim.orderId)
        .catch(
          recoveredError(
            ctx,
            'idempotency_abandon',
            orderId,
            'idempotency key held until its lease runs out',
          ),
        );
    }
    throw error;
  });
  // The order exists: a later retry with this key finds it once the lease runs out.
  await deps.idempotency
    .complete(userId, key, claim.orderId, 201, order)
    .catch(recoveredError(ctx, 'idempotency_complete', orderId, 'could not record the idempotent response'));
  return { replayed: false, status: 201, body: order };
}
