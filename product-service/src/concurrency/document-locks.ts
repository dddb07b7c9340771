import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpError } from '@ecom/service-kit';
import type { mongo } from 'mongoose';
import { isDuplicateKey } from '../mongo-errors';

export interface LockDocument {
  _id: string;
  owner: string;
  expiresAt: Date;
}

export interface LockOptions {
  /** A holder that crashed blocks its keys at most this long. Work under a lock takes milliseconds. */
  leaseMs?: number;
  /** How long a caller waits for its keys before giving up with a 503. */
  waitMs?: number;
}

/** In-process FIFO mutex per key, so only one caller per process polls the database lock. */
class LocalMutex {
  private readonly queues = new Map<string, Array<() => void>>();

  async acquire(key: string, deadline: number): Promise<void> {
    const queue = this.queues.get(key);
    if (!queue) {
      this.queues.set(key, []);
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          queue.splice(queue.indexOf(waiter), 1);
          reject(busy());
        },
        Math.max(0, deadline - Date.now()),
      );
      queue.push(waiter);
    });
  }

  release(key: string): void {
    const next = this.queues.get(key)?.shift();
    if (next) next();
    else this.queues.delete(key);
  }
}

function busy(): HttpError {
  return HttpError.serviceUnavailable('Inventory is busy, retry shortly', 1);
}

/**
 * Mutual exclusion across processes, built on the one write every MongoDB-wire server makes
 * atomic: inserting a document whose `_id` already exists fails. FerretDB v1 applies conditional
 * updates as read-modify-write without isolation (measured: 100 concurrent `$inc` with a
 * `stock >= 1` filter on stock 10 reported up to 95 successes and lost decrements, on both its
 * SQLite and PostgreSQL handlers), so every write to a product or a reservation runs under these
 * locks. On MongoDB they are redundant with the conditional updates, and cheap.
 *
 * Keys are taken in sorted order by every caller, so two callers never wait on each other in a cycle.
 */
export class DocumentLocks {
  private readonly local = new LocalMutex();
  private readonly leaseMs: number;
  private readonly waitMs: number;

  constructor(
    private readonly collection: mongo.Collection<LockDocument>,
    options: LockOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.waitMs = options.waitMs ?? 5_000;
  }

  /**
   * Runs `work` holding every key. `beforeShared` runs once this process's queue has reached the
   * caller and before the database locks are taken: a lock-free check that may refuse (throw) early
   * saves the lock writes for callers that a queue of predecessors has made pointless.
   */
  async withLocks<T>(
    keys: string[],
    work: () => Promise<T>,
    options: { beforeShared?: () => Promise<void> } = {},
  ): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const deadline = Date.now() + this.waitMs;
    const local: string[] = [];
    const shared: Array<{ key: string; owner: string }> = [];
    try {
      for (const key of sorted) {
        await this.local.acquire(key, deadline);
        local.push(key);
      }
      await options.beforeShared?.();
      for (const key of sorted) shared.push({ key, owner: await this.acquireShared(key, deadline) });
      return await work();
    } finally {
      for (const { key, owner } of shared.reverse()) {
        await this.collection.deleteOne({ _id: key, owner }).catch(() => undefined);
      }
      for (const key of local) this.local.release(key);
    }
  }

  private async acquireShared(key: string, deadline: number): Promise<string> {
    const owner = randomUUID();
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.collection.insertOne({ _id: key, owner, expiresAt: new Date(Date.now() + this.leaseMs) });
        return owner;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      await this.breakIfStale(key);
      if (Date.now() >= deadline) throw busy();
      await sleep(Math.min(2 ** attempt, 25) + Math.random() * 3);
    }
  }

  /**
   * A lock past its lease belongs to a holder that died. Exactly one waiter wins the right to
   * remove it by inserting a unique "break" marker, so two waiters cannot both delete a lock
   * (the second would be deleting the first one's fresh lock).
   */
  private async breakIfStale(key: string): Promise<void> {
    const current = await this.collection.findOne({ _id: key });
    if (!current || current.expiresAt.getTime() > Date.now()) return;
    const marker = `${key}#broken#${current.owner}`;
    try {
      await this.collection.insertOne({ _id: marker, owner: current.owner, expiresAt: current.expiresAt });
    } catch (error) {
      if (isDuplicateKey(error)) return;
      throw error;
    }
    await this.collection.deleteOne({ _id: key, owner: current.owner });
  }
}

/** Lock names; every writer of a product or a reservation takes these. */
export const lockKeys = {
  product: (productId: string) => `product:${productId}`,
  order: (orderId: string) => `order:${orderId}`,
};
