import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Types } from 'mongoose';
import { type HoldStore, keyHash } from '../holds/hold-store';
import type { ReservationLine } from '../inventory-client/http-client';
import { type OrderJson, toOrderJson } from '../orders/serialize';
import { type OrderSagaDeps, reserveAndSave } from './order-saga';
import { IdempotencyKeyInFlight, IdempotencyKeyReused } from './placement-errors';

/** A key replays its order for this long; afterwards the same key places a new one. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1_000;
const POLL_MS = 100;

export interface PlaceOrderDeps extends OrderSagaDeps {
  /** How long a duplicate waits for the first request with its key to finish (then IdempotencyKeyInFlight). */
  idempotencyWaitMs: number;
  /** host:port of this process, written on its hold entries (see unplaced-orders.ts). */
  slot?: string;
  holds: Pick<HoldStore, 'forgetKey'>;
}

export interface PlaceOrderRequest {
  userId: string;
  /** One line per product (merged), each within the per-product limit. */
  lines: ReservationLine[];
  /** The validated Idempotency-Key header, when the client sent one. */
  idempotencyKey?: string;
  /** Where the request came from, as the gateway saw it (see CLIENT_ADDRESS_HEADER). */
  clientAddress: string;
}

/** What the client gets: the new order, or — for a repeated Idempotency-Key — that order as it is now. */
export type PlaceOrderResult = { replayed: boolean; status: 201; body: OrderJson };

interface Idempotency {
  key: string;
  requestKey: string;
  fingerprint: string;
  hash: string;
}

/** The same products and quantities, in any order and however split into lines, are one request. */
export function fingerprintOf(mergedLines: Array<{ productId: string; quantity: number }>): string {
  const canonical = mergedLines
    .map((line) => [line.productId.toLowerCase(), line.quantity] as const)
    .sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** The order this key already placed, as it is now; undefined when there is none (or it aged out). */
async function replayOf(deps: PlaceOrderDeps, userId: string, idem: Idempotency) {
  const order = await deps.orderStore.findByRequestKey(idem.requestKey);
  if (!order) return undefined;
  if (Date.now() - order.createdAt.getTime() > IDEMPOTENCY_WINDOW_MS) {
    // Past its window the key no longer replays: it is freed (once) so this request places anew.
    await deps.orderStore.clearRequestKey(order._id, idem.requestKey);
    await deps.holds.forgetKey(userId, idem.hash, order._id.toHexString());
    return undefined;
  }
  if (order.requestFingerprint !== idem.fingerprint) {
    throw new IdempotencyKeyReused();
  }
  return { replayed: true, status: 201 as const, body: toOrderJson(order) };
}

/**
 * Placing an order: hold the customer's units (and the request's Idempotency-Key) on their tally,
 * reserve, save. A request whose key another order holds gets that order's current state, or waits
 * while the first request with the key is still being placed.
 */
export async function placeOrder(
  deps: PlaceOrderDeps,
  request: PlaceOrderRequest,
): Promise<PlaceOrderResult> {
  const { userId, lines, idempotencyKey: key, clientAddress } = request;
  const units = lines.reduce((sum, line) => sum + line.quantity, 0);
  const idem = key
    ? { key, requestKey: `${userId}:${key}`, fingerprint: fingerprintOf(lines), hash: keyHash(key) }
    : undefined;
  const deadline = Date.now() + deps.idempotencyWaitMs;
  for (;;) {
    const orderId = new Types.ObjectId();
    const held = await deps.pendingUnits.hold(userId, orderId.toHexString(), units, {
      keyHash: idem?.hash,
      slot: deps.slot,
      address: clientAddress,
    });
    if (held === 'held') {
      const result = await reserveAndSave(deps, { orderId, userId, lines, idempotency: idem }).catch(
        async (error: unknown) => {
          await deps.pendingUnits.releaseAddress(orderId.toHexString());
          throw error;
        },
      );
      if (result.kind === 'placed') return { replayed: false, status: 201, body: toOrderJson(result.order) };
      await deps.pendingUnits.releaseAddress(orderId.toHexString());
    }
    // Only a keyed request gets here: its key is held by another order.
    const replay = await replayOf(deps, userId, idem!);
    if (replay) return replay;
    if (Date.now() >= deadline) {
      throw new IdempotencyKeyInFlight();
    }
    await sleep(POLL_MS);
    // A holder of the key that died mid-placement is given back once past its grace period.
    await deps.pendingUnits.settle(userId);
  }
}
