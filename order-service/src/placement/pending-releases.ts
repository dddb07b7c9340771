import { type Connection, type Model, Schema } from 'mongoose';

/**
 * Reservations product-service may hold for orders that do not exist, persisted so a restart
 * cannot forget them. `_id` is the orderId sent to product-service.
 */
export interface PendingRelease {
  _id: string;
  /** `guard`: written before reserving, in case we die mid-flight; the others: release now. */
  reason: 'guard' | 'unknown_outcome' | 'persist_failed';
  dueAt: Date;
  attempts: number;
  lastError?: string;
  /** The slot (host:port) of the process that wrote a guard; see predecessor-guards.ts. */
  owner?: string;
}

export type PendingReleaseModel = Model<PendingRelease>;

const pendingReleaseSchema = new Schema<PendingRelease>(
  {
    _id: { type: String, required: true },
    reason: { type: String, enum: ['guard', 'unknown_outcome', 'persist_failed'], required: true },
    dueAt: { type: Date, required: true },
    attempts: { type: Number, default: 0 },
    lastError: { type: String },
    owner: { type: String },
  },
  { timestamps: true, collection: 'inventory_releases' },
);
pendingReleaseSchema.index({ dueAt: 1 });

export function createPendingReleaseModel(connection: Connection): PendingReleaseModel {
  return connection.model<PendingRelease>('PendingRelease', pendingReleaseSchema);
}

/**
 * Longer than any placement can take (reservation timeout plus Mongo's own timeouts), so a guard
 * only comes due when the request that wrote it is certainly gone.
 */
export const GUARD_DELAY_MS = 120_000;

export function createReleaseQueue(model: PendingReleaseModel, owner?: string) {
  return {
    /** Before reserving: if this process dies before the order is saved, the stock still returns. */
    guard: (orderId: string) =>
      model.create({
        _id: orderId,
        reason: 'guard',
        dueAt: new Date(Date.now() + GUARD_DELAY_MS),
        owner,
      }),

    /** The reservation may exist and no order will: release it, now and until acknowledged. */
    releaseNow: (orderId: string, reason: 'unknown_outcome' | 'persist_failed') =>
      model.updateOne(
        { _id: orderId },
        { $set: { reason, dueAt: new Date() }, $setOnInsert: { attempts: 0 } },
        { upsert: true },
      ),

    /** The order was saved (it owns the reservation) or nothing was reserved. */
    forget: (orderId: string) => model.deleteOne({ _id: orderId }),
  };
}

export type ReleaseQueue = ReturnType<typeof createReleaseQueue>;
