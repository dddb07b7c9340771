import type { Logger } from '@ecom/service-kit';
import { Types } from 'mongoose';
import type { Counter } from 'prom-client';
import type { AddressLimit } from './address-limit';
import { AddressPendingUnitsLimitReached, PendingUnitsLimitReached } from './hold-errors';
import type { HeldOrder, HoldStore } from './hold-store';

export interface PendingUnitsLimitDeps {
  holds: HoldStore;
  /** The status of each of these orders that was saved (orders/ depends on this folder). */
  statusesOf(orderIds: string[]): Promise<Map<string, string>>;
  /**
   * An entry whose order was never saved and never will be: its reservation goes back to
   * product-service, then the entry goes. Resolves false when that could not be done now.
   */
  giveBackUnplaced(userId: string, orderId: string): Promise<boolean>;
  maxUnits: number;
  /** The same units counted per client address, across that address's accounts. */
  addressLimit: Pick<AddressLimit, 'claim' | 'release' | 'maxUnits'>;
  /** An entry with no saved order is only given back once this old (it may be mid-placement). */
  placementGraceMs: number;
  failures: Counter<'operation'>;
  logger: Logger;
}

export type HoldOutcome = 'held' | 'key_in_use';

export interface HoldOptions {
  keyHash?: string;
  slot?: string;
  /** The client's address (see CLIENT_ADDRESS_HEADER). */
  address: string;
}

/** When the order id was made, i.e. when its placement started. */
export const placementStart = (orderId: string): number =>
  Types.ObjectId.isValid(orderId) ? new Types.ObjectId(orderId).getTimestamp().getTime() : 0;

/**
 * Caps the units one customer, and one client address across its customers, may hold in pending
 * orders, so nobody can keep stock off sale by placing orders and never paying (nor by registering
 * accounts to do it with). Units are claimed before stock is reserved and given back when the order
 * leaves `pending` (confirmed, cancelled, expired) or was never saved.
 */
export function createPendingUnitsLimit(deps: PendingUnitsLimitDeps) {
  /** Gives back what a lost release left on the tally, and placements that died before saving. */
  async function settle(userId: string, held: HeldOrder[], now = Date.now()): Promise<void> {
    const statuses = await deps.statusesOf(held.map((entry) => entry.orderId));
    for (const { orderId } of held) {
      const status = statuses.get(orderId);
      if (status === undefined) {
        if (now - placementStart(orderId) > deps.placementGraceMs) {
          await deps.giveBackUnplaced(userId, orderId);
        }
      } else if (status !== 'pending') {
        await deps.holds.release(userId, orderId);
      }
    }
  }

  /** The per-customer half of hold(). */
  async function holdForCustomer(
    userId: string,
    orderId: string,
    units: number,
    options: HoldOptions,
  ): Promise<HoldOutcome> {
    const claimOptions = { keyHash: options.keyHash, slot: options.slot };
    const claim = () => deps.holds.claim(userId, orderId, units, deps.maxUnits, claimOptions);
    if (await claim()) return 'held';
    if (options.keyHash && (await deps.holds.keyHolder(userId, options.keyHash))) return 'key_in_use';
    await settle(userId, await deps.holds.heldOrders(userId));
    if (await claim()) return 'held';
    if (options.keyHash && (await deps.holds.keyHolder(userId, options.keyHash))) return 'key_in_use';
    throw new PendingUnitsLimitReached(deps.maxUnits, units);
  }

  return {
    /**
     * Claims the order's units for the client's address, then (with its Idempotency-Key, hashed)
     * for the customer; `key_in_use` when another order of theirs holds that key. Throws
     * AddressPendingUnitsLimitReached or PendingUnitsLimitReached when a cap would be passed.
     */
    async hold(userId: string, orderId: string, units: number, options: HoldOptions): Promise<HoldOutcome> {
      if (!(await deps.addressLimit.claim(options.address, orderId, units))) {
        throw new AddressPendingUnitsLimitReached(deps.addressLimit.maxUnits, units);
      }
      try {
        const outcome = await holdForCustomer(userId, orderId, units, options);
        if (outcome !== 'held') await deps.addressLimit.release(orderId);
        return outcome;
      } catch (error) {
        await deps.addressLimit.release(orderId);
        throw error;
      }
    },

    /** The address's share of an order that will not be saved (the customer's goes with its stock). */
    releaseAddress: (orderId: string) => deps.addressLimit.release(orderId),

    /** Gives back entries that outlived their order or their placement (see settle). */
    settle: async (userId: string) => settle(userId, await deps.holds.heldOrders(userId)),

    /** Never throws: a release that fails is logged and counted, and the next claim settles it. */
    async release(userId: string, orderId: string): Promise<void> {
      await deps.addressLimit.release(orderId);
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
