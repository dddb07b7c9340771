import { createHash } from 'node:crypto';
import { createGroupedUpserts, ensureIndexes, isDuplicateKey } from '@ecom/service-kit';
import type { Connection, mongo } from 'mongoose';
import { createPendingHoldsModel, type HoldEntry, type PendingHolds } from './hold-model';

/** Field names cannot hold every printable character a key may have (`.`, `$`): a hash can. */
export function keyHash(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('base64url');
}

export interface HeldOrder {
  orderId: string;
  units: number;
  slot?: string;
  keyHash?: string;
}

const entryOf = (value: HoldEntry | number): HoldEntry => (typeof value === 'number' ? { u: value } : value);

function heldOrders(tally: Pick<PendingHolds, 'orders'> | null): HeldOrder[] {
  return Object.entries(tally?.orders ?? {}).map(([orderId, value]) => {
    const { u, s, k } = entryOf(value);
    return { orderId, units: u, slot: s, keyHash: k };
  });
}

export interface ClaimOptions {
  keyHash?: string;
  slot?: string;
}

const BATCH = 100;

/**
 * The per-customer tally. Each step is one conditional single-document write: a claim succeeds
 * only while the total stays within the cap and the key is free, and an order's units are given
 * back exactly once.
 */
export async function createHoldStore(connection: Connection) {
  const model = createPendingHoldsModel(connection);
  // The recovery pass reads only customers who hold something, through an index.
  await ensureIndexes([model]);
  // The driver's collection: these writes are the hot path, and hydration buys nothing here.
  const tallies = model.collection as unknown as mongo.Collection<PendingHolds>;
  // Claims made while another is being written share one command (group commit).
  const upsertClaim = createGroupedUpserts(tallies);
  return {
    /**
     * Adds the order's units (and its key) to the tally in one upsert: when the filter does not
     * match, the upsert's insert collides with the existing `_id` — the claim was refused. Claims
     * made at the same time go out in one command, each still answered on its own.
     */
    async claim(userId: string, orderId: string, units: number, cap: number, options: ClaimOptions = {}) {
      if (units > cap) return false;
      const entry: HoldEntry = { u: units };
      if (options.keyHash) entry.k = options.keyHash;
      if (options.slot) entry.s = options.slot;
      const filter: mongo.Filter<PendingHolds> & Record<string, unknown> = {
        _id: userId,
        units: { $lte: cap - units },
        [`orders.${orderId}`]: { $exists: false },
      };
      const set: Record<string, unknown> = { [`orders.${orderId}`]: entry };
      if (options.keyHash) {
        filter[`keys.${options.keyHash}`] = { $exists: false };
        set[`keys.${options.keyHash}`] = orderId;
      }
      try {
        await upsertClaim({ filter, update: { $inc: { units }, $set: set } });
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    },

    /** The order that holds this key on the customer's tally, if any. */
    async keyHolder(userId: string, hash: string): Promise<string | undefined> {
      const tally = await tallies.findOne({ _id: userId }, { projection: { [`keys.${hash}`]: 1 } });
      return tally?.keys?.[hash];
    },

    /** Takes the order's units (and key) off the tally; a no-op when they are already off. */
    async release(userId: string, orderId: string): Promise<void> {
      const tally = await tallies.findOne({ _id: userId }, { projection: { [`orders.${orderId}`]: 1 } });
      const value = tally?.orders?.[orderId];
      if (value === undefined) return;
      const { u, k } = entryOf(value);
      const unset: Record<string, ''> = { [`orders.${orderId}`]: '' };
      if (k) unset[`keys.${k}`] = '';
      await tallies.updateOne(
        { _id: userId, [`orders.${orderId}`]: value },
        { $inc: { units: -u }, $unset: unset },
      );
    },

    /**
     * Frees a key this order holds (its replay window has passed). Its entry keeps the hash, so
     * its later release may unset a newer order's mapping of the same key: harmless, as the orders'
     * unique request key, not the tally, is what keeps a key to one order.
     */
    async forgetKey(userId: string, hash: string, orderId: string): Promise<void> {
      await tallies.updateOne(
        { _id: userId, [`keys.${hash}`]: orderId },
        { $unset: { [`keys.${hash}`]: '' } },
      );
    },

    /** The orders the tally says still hold units. */
    async heldOrders(userId: string): Promise<HeldOrder[]> {
      return heldOrders(await tallies.findOne({ _id: userId }, { projection: { orders: 1 } }));
    },

    /** Every customer holding something, with their orders, a batch at a time (recovery). */
    async *holders(): AsyncGenerator<{ userId: string; orders: HeldOrder[] }> {
      let after = '';
      for (;;) {
        const batch = await tallies
          .find({ units: { $gt: 0 }, _id: { $gt: after } }, { projection: { orders: 1 } })
          .sort({ _id: 1 })
          .limit(BATCH)
          .toArray();
        for (const tally of batch) yield { userId: tally._id, orders: heldOrders(tally) };
        if (batch.length < BATCH) return;
        after = batch[batch.length - 1]!._id;
      }
    },
  };
}

export type HoldStore = Awaited<ReturnType<typeof createHoldStore>>;
