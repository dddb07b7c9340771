import { type Connection, type Model, Schema } from 'mongoose';

/** What one order holds on its customer's tally. */
export interface HoldEntry {
  /** Units. */
  u: number;
  /** Hash of the order's Idempotency-Key (see keyHash), while the order holds units. */
  k?: string;
  /** host:port of the process placing it: a successor in that slot knows the placement died. */
  s?: string;
}

/**
 * One document per customer: the units held by their unpaid orders, what each order holds, and
 * which Idempotency-Keys those orders were placed with. An entry is written *before* stock is
 * reserved, so it is also the durable record of a placement in flight: an entry whose order was
 * never saved is a reservation to give back (see placement/unplaced-orders.ts).
 */
export interface PendingHolds {
  _id: string;
  units: number;
  /** Order id → entry. Older documents hold a plain number of units. */
  orders: Record<string, HoldEntry | number>;
  /** Key hash → order id. */
  keys?: Record<string, string>;
}

export type PendingHoldsModel = Model<PendingHolds>;

/** The tallies' model on this connection (made once: a second store on it shares the first's). */
export function createPendingHoldsModel(connection: Connection): PendingHoldsModel {
  const existing = connection.models.PendingHolds as PendingHoldsModel | undefined;
  if (existing) return existing;
  const schema = new Schema<PendingHolds>(
    {
      _id: { type: String, required: true },
      units: { type: Number, required: true, default: 0 },
      orders: { type: Schema.Types.Mixed, default: {} },
      keys: { type: Schema.Types.Mixed },
    },
    { versionKey: false, minimize: false, collection: 'pending_holds' },
  );
  // The recovery pass reads only customers who hold something.
  schema.index({ units: 1 });
  return connection.model<PendingHolds>('PendingHolds', schema);
}
