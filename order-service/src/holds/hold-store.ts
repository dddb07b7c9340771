import { isDuplicateKey } from '@ecom/service-kit';
import { type Connection, type Model, Schema } from 'mongoose';

/** Units one customer holds in pending orders: the total, and what each order holds. */
export interface PendingHolds {
  _id: string;
  units: number;
  orders: Record<string, number>;
}

export type PendingHoldsModel = Model<PendingHolds>;

export function createPendingHoldsModel(connection: Connection): PendingHoldsModel {
  const schema = new Schema<PendingHolds>(
    {
      _id: { type: String, required: true },
      units: { type: Number, required: true, default: 0 },
      orders: { type: Schema.Types.Mixed, default: {} },
    },
    { versionKey: false, minimize: false, collection: 'pending_holds' },
  );
  return connection.model<PendingHolds>('PendingHolds', schema);
}

/**
 * The per-customer tally behind the pending-units cap, one document per user id. Each step is one
 * conditional single-document write: a claim succeeds only while the total stays within the cap,
 * and an order's units are given back exactly once.
 */
export function createHoldStore(model: PendingHoldsModel) {
  const addUnits = async (userId: string, orderId: string, units: number, cap: number) => {
    const { matchedCount } = await model.updateOne(
      { _id: userId, units: { $lte: cap - units }, [`orders.${orderId}`]: { $exists: false } },
      { $inc: { units }, $set: { [`orders.${orderId}`]: units } },
    );
    return matchedCount === 1;
  };

  /** True when the tally had to be created (a customer's first order). */
  async function createdTally(userId: string): Promise<boolean> {
    if (await model.exists({ _id: userId })) return false;
    await model.create({ _id: userId, units: 0, orders: {} }).catch((error: unknown) => {
      if (!isDuplicateKey(error)) throw error;
    });
    return true;
  }

  return {
    /** Adds the order's units to the customer's tally; false when that would pass `cap`. */
    async claim(userId: string, orderId: string, units: number, cap: number): Promise<boolean> {
      // The tally exists for every order but a customer's first: try the write before looking.
      if (await addUnits(userId, orderId, units, cap)) return true;
      return (await createdTally(userId)) && addUnits(userId, orderId, units, cap);
    },

    /** Takes the order's units off the tally; a no-op when they are already off. */
    async release(userId: string, orderId: string): Promise<void> {
      const tally = await model.findById(userId, { [`orders.${orderId}`]: 1 }).lean();
      const units = tally?.orders?.[orderId];
      if (units === undefined) return;
      await model.updateOne(
        { _id: userId, [`orders.${orderId}`]: units },
        { $inc: { units: -units }, $unset: { [`orders.${orderId}`]: '' } },
      );
    },

    /** The orders the tally says still hold units. */
    async heldOrders(userId: string): Promise<string[]> {
      const tally = await model.findById(userId, { orders: 1 }).lean();
      return Object.keys(tally?.orders ?? {});
    },
  };
}

export type HoldStore = ReturnType<typeof createHoldStore>;
