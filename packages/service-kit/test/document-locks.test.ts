import { setTimeout as sleep } from 'node:timers/promises';
import { mongoUrlFor, uniqueName } from '@ecom/test-support';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentLocks, type DocumentLocksOptions } from '../src/document-locks';
import { HttpError } from '../src/errors';
import { createLogger } from '../src/logger';
import { connectMongo } from '../src/mongo';

const collection = 'test_locks';
const logger = createLogger('document-locks-test', 'silent');
// Two connections stand for two processes: each gets its own DocumentLocks (and in-process queue).
let first: Connection;
let second: Connection;

beforeAll(async () => {
  const url = mongoUrlFor(uniqueName('locks_'));
  first = await connectMongo(url, { logger, attempts: 3 });
  second = await connectMongo(url, { logger, attempts: 3 });
});

afterAll(async () => {
  await first?.dropDatabase().catch(() => undefined);
  await Promise.all([first?.close(), second?.close()]);
});

const locksOn = (connection: Connection, options: Partial<DocumentLocksOptions> = {}) =>
  new DocumentLocks(connection, { collection, busyMessage: 'Busy, retry', ...options });

/** A promise with its resolve function, to hold a lock until the test lets go. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('DocumentLocks', () => {
  it('when 50 callers in two processes increment a counter read-then-write, then none is lost', async () => {
    const counters = first.collection<{ _id: string; value: number }>(uniqueName('counters_'));
    await counters.insertOne({ _id: 'c', value: 0 });
    const processes = [locksOn(first, { waitMs: 30_000 }), locksOn(second, { waitMs: 30_000 })];
    const key = uniqueName('counter-');

    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        processes[i % 2]!.withLock(key, async () => {
          const current = await counters.findOne({ _id: 'c' });
          await sleep(1); // widen the read-to-write window that the lock must protect
          await counters.updateOne({ _id: 'c' }, { $set: { value: current!.value + 1 } });
        }),
      ),
    );

    expect((await counters.findOne({ _id: 'c' }))?.value).toBe(50);
    expect(await processes[0]!.collection.countDocuments({ _id: key })).toBe(0);
  });

  it('when the holder keeps the lock beyond waitMs, then a waiter elsewhere gets a 503 with Retry-After', async () => {
    const holder = locksOn(first);
    const waiter = locksOn(second, { waitMs: 200 });
    const key = uniqueName('held-');
    const held = gate();
    const entered = gate();
    const holding = holder.withLock(key, async () => {
      entered.open();
      await held.opened;
      return 'done';
    });
    await entered.opened;

    const started = Date.now();
    const error = await rejectionOf(waiter.withLock(key, async () => 'never'));

    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 503, message: 'Busy, retry', headers: { 'Retry-After': '1' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    held.open();
    expect(await holding).toBe('done');
    // Freed on release: the next caller gets it at once.
    expect(await waiter.withLock(key, async () => 'after')).toBe('after');
  });

  it('when a caller of the same process waits too long in the local queue, then it gets a 503 too', async () => {
    const locks = locksOn(first);
    const key = uniqueName('queued-');
    const held = gate();
    const entered = gate();
    const holding = locks.withLock(key, async () => {
      entered.open();
      await held.opened;
    });
    await entered.opened;

    const error = await rejectionOf(locks.withLock(key, async () => undefined, { waitMs: 100 }));

    expect(error).toMatchObject({ status: 503 });
    held.open();
    await holding;
    await expect(locks.withLock(key, async () => 'next')).resolves.toBe('next');
  });

  it('when a dead holder left a lock past its lease, then it is taken over', async () => {
    const locks = locksOn(second, { waitMs: 2_000 });
    const key = uniqueName('stale-');
    await locks.collection.insertOne({ _id: key, owner: 'dead', expiresAt: new Date(Date.now() - 1_000) });

    await expect(locks.withLock(key, async () => 'ran')).resolves.toBe('ran');
    expect(await locks.collection.findOne({ _id: key })).toBeNull();
  });

  it('when a holder outlives its lease, then a waiter takes the lock over', async () => {
    const holder = locksOn(first, { leaseMs: 100 });
    const waiter = locksOn(second, { waitMs: 5_000 });
    const key = uniqueName('lease-');
    const held = gate();
    const entered = gate();
    const holding = holder.withLock(key, async () => {
      entered.open();
      await held.opened;
    });
    await entered.opened;

    await expect(waiter.withLock(key, async () => 'taken over')).resolves.toBe('taken over');
    held.open();
    await holding;
  });

  it('when the work throws, then the error passes through and the keys are free again', async () => {
    const locks = locksOn(first);
    const keys = [uniqueName('a-'), uniqueName('b-')];

    await expect(
      locks.withLocks(keys, async () => {
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');

    expect(await locks.collection.countDocuments({ _id: { $in: keys } })).toBe(0);
    await expect(locks.withLocks(keys, async () => 'free', { waitMs: 0 })).resolves.toBe('free');
  });

  it('when two processes take the same keys in opposite order, then neither deadlocks', async () => {
    const one = locksOn(first, { waitMs: 10_000 });
    const other = locksOn(second, { waitMs: 10_000 });
    const [a, b] = [uniqueName('x-'), uniqueName('y-')];
    let inside = 0;
    let overlapped = false;
    const work = async () => {
      inside += 1;
      overlapped ||= inside > 1;
      await sleep(2);
      inside -= 1;
    };

    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 ? one.withLocks([a, b], work) : other.withLocks([b, a], work),
      ),
    );

    expect(overlapped).toBe(false);
  });

  it('when beforeShared refuses, then no lock document is written and the queue moves on', async () => {
    const locks = locksOn(first);
    const key = uniqueName('early-');
    const written: number[] = [];

    const refused = locks.withLock(key, async () => 'never', {
      beforeShared: async () => {
        written.push(await locks.collection.countDocuments({ _id: key }));
        throw HttpError.conflict('sold out');
      },
    });

    await expect(refused).rejects.toMatchObject({ status: 409 });
    expect(written).toEqual([0]);
    await expect(locks.withLock(key, async () => 'next', { waitMs: 0 })).resolves.toBe('next');
  });
  describe('lockedFilter', () => {
    it('when called outside withLocks, then it refuses (the server kind is not known yet)', () => {
      expect(() => locksOn(first).lockedFilter('a', { status: 'pending' })).toThrow(/inside withLocks/);
    });

    it('when the server is FerretDB, then only _id is sent; on MongoDB the guard is kept', async () => {
      const info = await first.db!.admin().command({ buildInfo: 1 });
      const isFerretDb = typeof info.ferretdbVersion === 'string';
      const locks = locksOn(first);
      const filter = await locks.withLock(uniqueName('filter-'), async () =>
        locks.lockedFilter('order-1', { status: 'pending' }),
      );
      expect(filter).toEqual(isFerretDb ? { _id: 'order-1' } : { _id: 'order-1', status: 'pending' });
    });
  });
});
