import { mongoUrlFor, uniqueName } from '@ecom/test-support';
import type { Connection, mongo } from 'mongoose';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGroupedUpserts, type GroupedUpsert } from '../src/grouped-writes';
import { createLogger } from '../src/logger';
import { connectMongo } from '../src/mongo';
import { isDuplicateKey } from '../src/mongo-errors';

interface Tally {
  _id: string;
  units: number;
}

const logger = createLogger('grouped-writes-test', 'silent');
const registry = new Registry();
let connection: Connection;

beforeAll(async () => {
  connection = await connectMongo(mongoUrlFor(uniqueName('grouped_')), { logger, attempts: 3, registry });
});

afterAll(async () => {
  await connection?.dropDatabase().catch(() => undefined);
  await connection?.close();
});

async function updateCommands(collection: string): Promise<number> {
  const metric = await registry.getSingleMetric('mongodb_command_duration_seconds')!.get();
  return metric.values
    .filter(
      (value) =>
        (value as { metricName?: string }).metricName === 'mongodb_command_duration_seconds_count' &&
        value.labels.command === 'update' &&
        value.labels.collection === collection,
    )
    .reduce((sum, value) => sum + value.value, 0);
}

const tallies = (name: string) => connection.collection<Tally>(name) as unknown as mongo.Collection<Tally>;
/** A claim of `units` on a tally capped at `cap`: it applies, or collides on `_id` (E11000). */
const claim = (id: string, units: number, cap = 10): GroupedUpsert<Tally> => ({
  filter: { _id: id, units: { $lte: cap - units } },
  update: { $inc: { units } },
});

describe('grouped upserts on the database', () => {
  it('when claims share a command and one does not fit, then only its caller gets the E11000 and the others apply', async () => {
    const collection = tallies('refusals');
    await collection.createIndex({ units: 1 });
    await collection.insertOne({ _id: 'full', units: 9 });
    const upsert = createGroupedUpserts(collection);

    const outcomes = await Promise.allSettled([
      upsert(claim('a', 2)),
      upsert(claim('full', 5)),
      upsert(claim('b', 1)),
      upsert(claim('a', 3)),
      upsert(claim('full', 1)),
    ]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(isDuplicateKey((outcomes[1] as PromiseRejectedResult).reason)).toBe(true);
    expect(await collection.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'a', units: 5 },
      { _id: 'b', units: 1 },
      { _id: 'full', units: 10 },
    ]);
    expect(await updateCommands('refusals')).toBe(1);
  });

  it('when claims arrive while one is in flight, then they share commands and all apply', async () => {
    const collection = tallies('shared');
    const upsert = createGroupedUpserts(collection);

    const first = Array.from({ length: 10 }, (_, i) => upsert(claim(`a${i}`, 1)));
    const meanwhile = Array.from({ length: 10 }, (_, i) => upsert(claim(`b${i}`, 1)));
    await Promise.all([...first, ...meanwhile]);

    expect(await collection.countDocuments({ units: 1 })).toBe(20);
    expect(await updateCommands('shared')).toBeLessThanOrEqual(2);
  });

  it('when a claim is made alone, then it goes as one update of its own', async () => {
    const collection = tallies('alone');
    const upsert = createGroupedUpserts(collection);

    await upsert(claim('only', 10));

    expect(await updateCommands('alone')).toBe(1);
    await expect(upsert(claim('only', 1))).rejects.toSatisfy(isDuplicateKey);
  });
});

/** A collection whose commands end when the test says, recording the `_id`s each one carried. */
function controlledCollection() {
  const sent: string[][] = [];
  const pending: { settle: (error?: unknown) => void }[] = [];
  const command = (ids: string[]) =>
    new Promise<void>((resolve, reject) => {
      sent.push(ids);
      pending.push({ settle: (error) => (error ? reject(error) : resolve()) });
    });
  const idOf = (filter: unknown) => (filter as { _id: string })._id;
  const collection = {
    updateOne: (filter: unknown) => command([idOf(filter)]),
    bulkWrite: (operations: { updateOne: { filter: unknown } }[]) =>
      command(operations.map(({ updateOne }) => idOf(updateOne.filter))),
  } as unknown as mongo.Collection<Tally>;
  return { collection, sent, pending };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('grouped upserts, scheduling', () => {
  it('when a group is in flight, then later writes wait for it and go out together', async () => {
    const { collection, sent, pending } = controlledCollection();
    const upsert = createGroupedUpserts(collection, { stallMs: 10_000 });

    const first = upsert(claim('a', 1));
    await tick();
    const later = [upsert(claim('b', 1)), upsert(claim('c', 1))];
    await tick();
    expect(sent).toEqual([['a']]);

    pending[0]!.settle();
    await first;
    await tick();
    expect(sent).toEqual([['a'], ['b', 'c']]);
    pending[1]!.settle();
    await Promise.all(later);
  });

  it('when a group stalls, then the writes behind it are sent after stallMs, not when it ends', async () => {
    const { collection, sent, pending } = controlledCollection();
    const upsert = createGroupedUpserts(collection, { stallMs: 20 });

    void upsert(claim('stuck', 1));
    await tick();
    const behind = upsert(claim('behind', 1));
    await new Promise((resolve) => setTimeout(resolve, 60));

    expect(sent).toEqual([['stuck'], ['behind']]);
    pending[1]!.settle();
    await behind;
    pending[0]!.settle();
  });

  it('when the server aborts a whole group for a write conflict, then each write is sent again alone', async () => {
    const { collection, sent, pending } = controlledCollection();
    const upsert = createGroupedUpserts(collection);

    const all = Promise.all(['a', 'b'].map((id) => upsert(claim(id, 1))));
    await tick();
    pending[0]!.settle(Object.assign(new Error('deadlock detected'), { code: 16908292 }));
    await tick();
    expect(sent).toEqual([['a', 'b'], ['a'], ['b']]);
    pending[1]!.settle();
    pending[2]!.settle();
    await all;
  });

  it('when a group fails with no per-write answer, then every caller gets that failure', async () => {
    const { collection, pending } = controlledCollection();
    const upsert = createGroupedUpserts(collection);
    const lost = new Error('connection closed');

    const outcomes = Promise.allSettled(['a', 'b'].map((id) => upsert(claim(id, 1))));
    await tick();
    pending[0]!.settle(lost);

    expect((await outcomes).map((outcome) => (outcome as PromiseRejectedResult).reason)).toEqual([
      lost,
      lost,
    ]);
  });
});
