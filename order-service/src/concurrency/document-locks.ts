import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpError } from '@ecom/service-kit';
import type { Connection } from 'mongoose';

interface LockDocument {
  _id: string;
  owner: string;
  expiresAt: Date;
}

export interface LockOptions {
  /** A holder that died blocks its key at most this long; work under a lock takes milliseconds. */
  leaseMs?: number;
  /** How long a caller waits for a key before giving up with a 503. */
  waitMs?: number;
}

const POLL_MS = 15;
const MONGO_DUPLICATE_KEY = 11000;

/**
 * A mutex per key shared by every order-service instance. FerretDB v1 applies a conditional update
 * as read-modify-write without isolation (50 concurrent `findOneAndUpdate({status: 'pending'})`
 * report several winners and keep one write), so a filter on the current status alone cannot stop
 * two transitions, or a transition and the outbox relay, from overwriting each other. Inserting an
 * `_id` that exists fails atomically on every MongoDB-wire server, so that is the lock. On MongoDB
 * the conditional updates would suffice; the lock then costs two small writes.
 */
export function createDocumentLocks(connection: Connection, options: LockOptions = {}) {
  const collection = connection.collection<LockDocument>('order_locks');
  const leaseMs = options.leaseMs ?? 10_000;
  const defaultWaitMs = options.waitMs ?? 5_000;

  async function tryAcquire(key: string, owner: string): Promise<boolean> {
    try {
      await collection.insertOne({ _id: key, owner, expiresAt: new Date(Date.now() + leaseMs) });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code !== MONGO_DUPLICATE_KEY) throw error;
    }
    // The holder died: once its lease ran out, the next caller clears the way.
    await collection.deleteOne({ _id: key, expiresAt: { $lte: new Date() } });
    return false;
  }

  return {
    async withLock<T>(key: string, work: () => Promise<T>, waitMs = defaultWaitMs): Promise<T> {
      const owner = randomUUID();
      const deadline = Date.now() + waitMs;
      while (!(await tryAcquire(key, owner))) {
        if (Date.now() >= deadline) throw HttpError.serviceUnavailable('Order is busy; retry shortly', 1);
        await sleep(POLL_MS);
      }
      try {
        return await work();
      } finally {
        await collection.deleteOne({ _id: key, owner });
      }
    },
  };
}

export type DocumentLocks = ReturnType<typeof createDocumentLocks>;

export const lockKeys = {
  order: (orderId: string) => `order:${orderId}`,
  idempotency: (userId: string, key: string) => `idempotency:${userId}:${key}`,
};
