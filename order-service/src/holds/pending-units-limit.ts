import { HttpError, type Logger } from '@ecom/service-kit';
import { type Model, Types } from 'mongoose';
import type { Counter } from 'prom-client';
import type { HoldStore } from './hold-store';

export interface PendingUnitsLimitDeps {
  holds: HoldStore;
  /** The orders collection, asked only for an order's status (orders/ depends on this folder). */
  orders: Pick<Model<{ status: string }>, 'findById'>;
  maxUnits: number;
  /** An order id on the tally with no saved order is only given back once this old (it may be mid-placement). */
  placementGraceMs: number;
  failures: Counter<'operation'>;
  logger: Logger;
}

/**
 * Caps the units one customer may hold in pending orders, so nobody can keep stock off sale by
 * placing orders and never paying. Units are claimed before stock is reserved and given back when
 * the order leaves `pending` (confirmed, cancelled, expired) or was never saved.
 */
export function createPendingUnitsLimit(deps: PendingUnitsLimitDeps) {
  /** A tally entry is stale when its order left `pending`, or was never saved and never will be. */
  async function isStale(orderId: string, now: number): Promise<boolean> {
    const order = await deps.orders.findById(orderId, { status: 1 }).lean();
    if (order) return order.status !== 'pending';
    const placedAt = Types.ObjectId.isValid(orderId)
      ? new Types.ObjectId(orderId).getTimestamp()
      : new Date(0);
    return now - placedAt.getTime() > deps.placementGraceMs;
  }

  /** Gives back what a lost release left on the tally (a crash between a status change and its release). */
  async function settle(userId: string): Promise<void> {
    const now = Date.now();
    for (const orderId of await deps.holds.heldOrders(userId)) {
      if (await isStale(orderId, now)) await deps.holds.release(userId, orderId);
    }
  }

  return {
    async hold(userId: string, orderId: string, units: number): Promise<void> {
      if (await deps.holds.claim(userId, orderId, units, deps.maxUnits)) return;
      await settle(userId);
      if (await deps.holds.claim(userId, orderId, units, deps.maxUnits)) return;
      throw HttpError.conflict(
        `Orders awaiting payment may hold at most ${deps.maxUnits} units per customer; ` +
          'confirm or cancel a pending order first',
        { reason: 'pending_units_limit', maxPendingUnits: deps.maxUnits, requestedUnits: units },
      );
    },

    /** Never throws: a release that fails is logged and counted, and the next claim settles it. */
    async release(userId: string, orderId: string): Promise<void> {
      try {
        await deps.holds.release(userId, orderId);
      } catch (error) {
        deps.failures.inc({ operation: 'pending_units_release' });
        deps.logger.warn(
          { err: error, orderId, userId },
          'could not give back pending units; the next claim will',
        );
      }
    },
  };
}

export type PendingUnitsLimit = ReturnType<typeof createPendingUnitsLimit>;
