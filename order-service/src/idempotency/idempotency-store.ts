import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpError, isDuplicateKey, retryWriteConflicts } from '@ecom/service-kit';
import { Types } from 'mongoose';
import { idempotencyId, type IdempotencyModel, type IdempotencyRecord } from './idempotency-model';

export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1_000;
/** Longer than a placement can take, so a live attempt is never taken over. */
const LEASE_MS = 120_000;
const POLL_MS = 100;

export type Claim =
  { kind: 'owner'; orderId: Types.ObjectId } | { kind: 'replay'; status: number; body: unknown };

export interface IdempotencyOptions {
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

/**
 * Idempotency keys, one document per (user, key) with `_id` = `userId:key`: the insert decides
 * who owns a key, and every later step is one conditional write filtered by the attempt it belongs
 * to (its `orderId` while `in_progress`), so a step of a superseded attempt matches nothing.
 */
export function createIdempotencyStore(model: IdempotencyModel, options: IdempotencyOptions) {
  const replayOf = (record: IdempotencyRecord): Claim => ({
    kind: 'replay',
    status: record.responseStatus ?? 201,
    body: JSON.parse(record.responseBody ?? 'null'),
  });
  /** Filters a write to the attempt that `record` describes, so a later attempt is never touched. */
  const attemptOf = (id: string, record: { orderId: string }) => ({
    _id: id,
    state: 'in_progress' as const,
    orderId: record.orderId,
  });
  const updated = async (write: Promise<{ matchedCount: number }>) => (await write).matchedCount === 1;
  const deleted = async (write: Promise<{ deletedCount: number }>) => (await write).deletedCount === 1;

  async function tryInsert(userId: string, key: string, fingerprint: string): Promise<Claim | undefined> {
    const now = Date.now();
    const orderId = new Types.ObjectId();
    const id = idempotencyId(userId, key);
    const expiresAt = new Date(now + IDEMPOTENCY_WINDOW_MS);
    try {
      await retryWriteConflicts(() =>
        model.create({
          _id: id,
          userId,
          key,
          fingerprint,
          orderId: orderId.toHexString(),
          state: 'in_progress',
          leaseUntil: new Date(now + LEASE_MS),
          expiresAt,
        }),
      );
      return { kind: 'owner', orderId };
    } catch (error) {
      if (isDuplicateKey(error)) return undefined;
      throw error;
    }
  }

  /** The previous holder died mid-request: finish its work for it or start afresh. */
  async function takeOver(record: IdempotencyRecord): Promise<Claim | undefined> {
    const saved = await options.replayOrder(record.orderId);
    if (saved) {
      const completed = await updated(
        model.updateOne(attemptOf(record._id, record), {
          $set: {
            state: 'completed',
            responseStatus: saved.status,
            responseBody: JSON.stringify(saved.body),
          },
        }),
      );
      return completed ? { kind: 'replay', ...saved } : undefined;
    }
    const orderId = new Types.ObjectId();
    const won = await updated(
      model.updateOne(attemptOf(record._id, record), {
        $set: { orderId: orderId.toHexString(), leaseUntil: new Date(Date.now() + LEASE_MS) },
      }),
    );
    return won ? { kind: 'owner', orderId } : undefined;
  }

  return {
    /** Either this request owns the key (and places the order) or it replays the original answer. */
    async claim(userId: string, key: string, fingerprint: string): Promise<Claim> {
      const id = idempotencyId(userId, key);
      const deadline = Date.now() + options.waitMs;
      for (;;) {
        const inserted = await tryInsert(userId, key, fingerprint);
        if (inserted) return inserted;
        const existing = await model.findById(id).lean<IdempotencyRecord>();
        if (existing && existing.expiresAt.getTime() <= Date.now()) {
          // Past its window: it no longer replays; removed (once) so the insert can win next turn.
          await model.deleteOne({ _id: id, expiresAt: existing.expiresAt });
          continue;
        }
        if (existing && existing.fingerprint !== fingerprint) {
          throw HttpError.unprocessable('Idempotency-Key was already used with a different request body');
        }
        if (existing?.state === 'completed') return replayOf(existing);
        if (existing && existing.leaseUntil.getTime() <= Date.now()) {
          const taken = await takeOver(existing);
          if (taken) return taken;
        }
        if (Date.now() >= deadline) {
          throw new HttpError(409, 'A request with this Idempotency-Key is still being processed', {
            headers: { 'Retry-After': '1' },
          });
        }
        if (existing) await sleep(POLL_MS);
      }
    },

    complete: (userId: string, key: string, orderId: Types.ObjectId, status: number, body: unknown) =>
      updated(
        model.updateOne(attemptOf(idempotencyId(userId, key), { orderId: orderId.toHexString() }), {
          $set: { state: 'completed', responseStatus: status, responseBody: JSON.stringify(body) },
        }),
      ),

    /** The attempt changed nothing (refused or failed): free the key so the client may retry it. */
    abandon: (userId: string, key: string, orderId: Types.ObjectId) =>
      deleted(model.deleteOne(attemptOf(idempotencyId(userId, key), { orderId: orderId.toHexString() }))),

    /** Deletes expired keys (they never replay anyway); runs rarely, off the request path. */
    async sweepExpired(now = new Date()): Promise<void> {
      await model.deleteMany({ expiresAt: { $lte: now } });
    },
  };
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;
