import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DocumentLocks, HttpError, isDuplicateKey } from '@ecom/service-kit';
import { Types } from 'mongoose';
import { lockKeys } from '../lock-keys';
import type { IdempotencyModel, IdempotencyRecord } from './model';

export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1_000;
/** Longer than a placement can take, so a live attempt is never taken over. */
const LEASE_MS = 120_000;
const POLL_MS = 100;

export type Claim =
  { kind: 'owner'; orderId: Types.ObjectId } | { kind: 'replay'; status: number; body: unknown };

export interface IdempotencyOptions {
  locks: DocumentLocks;
  /** How long a duplicate waits for the first request to finish before answering 409. */
  waitMs: number;
  /** When an abandoned attempt's order turns out to exist, how to answer for it. */
  replayOrder: (orderId: string) => Promise<{ status: number; body: unknown } | undefined>;
}

/** The same products and quantities, in any order and however split into lines, are one request. */
export function fingerprintOf(mergedLines: Array<{ productId: string; quantity: number }>): string {
  const canonical = mergedLines
    .map((line) => [line.productId.toLowerCase(), line.quantity] as const)
    .sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

export function createIdempotencyStore(model: IdempotencyModel, options: IdempotencyOptions) {
  const replayOf = (record: IdempotencyRecord): Claim => ({
    kind: 'replay',
    status: record.responseStatus ?? 201,
    body: JSON.parse(record.responseBody ?? 'null'),
  });

  async function tryInsert(userId: string, key: string, fingerprint: string): Promise<Claim | undefined> {
    const now = Date.now();
    const orderId = new Types.ObjectId();
    try {
      await model.create({
        userId,
        key,
        fingerprint,
        orderId: orderId.toHexString(),
        state: 'in_progress',
        leaseUntil: new Date(now + LEASE_MS),
        expiresAt: new Date(now + IDEMPOTENCY_WINDOW_MS),
      });
      return { kind: 'owner', orderId };
    } catch (error) {
      if (isDuplicateKey(error)) return undefined;
      throw error;
    }
  }

  /**
   * The previous holder died mid-request: finish its work for it or start afresh. Under a lock,
   * because on FerretDB two conditional updates of the same record could both "win".
   */
  async function takeOver(userId: string, key: string): Promise<Claim | undefined> {
    return options.locks.withLock(lockKeys.idempotency(userId, key), async () => {
      const record = await model.findOne({ userId, key }).lean();
      const stillHeld = record && record.leaseUntil.getTime() > Date.now();
      if (!record || record.state !== 'in_progress' || stillHeld) return undefined;
      const saved = await options.replayOrder(record.orderId);
      if (saved) {
        await model.updateOne(
          { _id: record._id },
          {
            $set: {
              state: 'completed',
              responseStatus: saved.status,
              responseBody: JSON.stringify(saved.body),
            },
          },
        );
        return { kind: 'replay', ...saved };
      }
      const orderId = new Types.ObjectId();
      await model.updateOne(
        { _id: record._id },
        { $set: { orderId: orderId.toHexString(), leaseUntil: new Date(Date.now() + LEASE_MS) } },
      );
      return { kind: 'owner', orderId };
    });
  }

  return {
    /** Either this request owns the key (and places the order) or it replays the original answer. */
    async claim(userId: string, key: string, fingerprint: string): Promise<Claim> {
      const deadline = Date.now() + options.waitMs;
      for (;;) {
        await model.deleteOne({ userId, key, expiresAt: { $lte: new Date() } });
        const inserted = await tryInsert(userId, key, fingerprint);
        if (inserted) return inserted;
        const existing = await model.findOne({ userId, key }).lean();
        if (existing && existing.fingerprint !== fingerprint) {
          throw HttpError.unprocessable('Idempotency-Key was already used with a different request body');
        }
        if (existing?.state === 'completed') return replayOf(existing);
        if (existing && existing.leaseUntil.getTime() <= Date.now()) {
          const taken = await takeOver(userId, key);
          if (taken) return taken;
        }
        if (Date.now() >= deadline) {
          throw new HttpError(409, 'A request with this Idempotency-Key is still being processed', {
            headers: { 'Retry-After': '1' },
          });
        }
        await sleep(POLL_MS);
      }
    },

    complete: (userId: string, key: string, orderId: Types.ObjectId, status: number, body: unknown) =>
      model.updateOne(
        { userId, key, orderId: orderId.toHexString(), state: 'in_progress' },
        { $set: { state: 'completed', responseStatus: status, responseBody: JSON.stringify(body) } },
      ),

    /** The attempt changed nothing (refused or failed): free the key so the client may retry it. */
    abandon: (userId: string, key: string, orderId: Types.ObjectId) =>
      model.deleteOne({ userId, key, orderId: orderId.toHexString(), state: 'in_progress' }),

    sweepExpired: () => model.deleteMany({ expiresAt: { $lte: new Date() } }),
  };
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;
