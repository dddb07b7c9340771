import { type Connection, type Model, Schema } from 'mongoose';

/** One per (user, Idempotency-Key): who holds the key and, once done, the response to replay. */
export function idempotencyId(userId: string, key: string): string {
  return `${userId}:${key}`;
}

export interface IdempotencyRecord {
  /** `userId:key`: the unique `_id` decides who owns a key, and every lookup is by it. */
  _id: string;
  userId: string;
  key: string;
  /** Hash of the normalised request body; the same key with another body is refused. */
  fingerprint: string;
  /** The order id this attempt reserves under. */
  orderId: string;
  state: 'in_progress' | 'completed';
  /** Until then the attempt is assumed alive; afterwards another request may take it over. */
  leaseUntil: Date;
  expiresAt: Date;
  responseStatus?: number;
  /** JSON text of the original response body. */
  responseBody?: string;
}

export type IdempotencyModel = Model<IdempotencyRecord>;

const idempotencySchema = new Schema<IdempotencyRecord>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    key: { type: String, required: true },
    fingerprint: { type: String, required: true },
    orderId: { type: String, required: true },
    state: { type: String, enum: ['in_progress', 'completed'], required: true },
    leaseUntil: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    responseStatus: { type: Number },
    responseBody: { type: String },
  },
  { timestamps: true, collection: 'idempotency_keys' },
);
// `_id` is what makes concurrent duplicates safe: only one insert of `userId:key` can win.
// Serves the sweeper's deleteMany of expired records (a claim treats an expired record as absent
// on its own, so nothing waits for the sweep).
idempotencySchema.index({ expiresAt: 1 });

export function createIdempotencyModel(connection: Connection): IdempotencyModel {
  return connection.model<IdempotencyRecord>('IdempotencyRecord', idempotencySchema);
}
