import { mongoUrlFor, uniqueName } from '@ecom/test-support';
import type { Connection, mongo } from 'mongoose';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGroupedInserts, createGroupedUpserts } from '../src/grouped-writes';
import { createLogger } from '../src/logger';
import { connectMongo } from '../src/mongo';
import { isDuplicateKey } from '../src/mongo-errors';

interface Widget {
  _id: string;
  n: number;
}

const logger = createLogger('grouped-inserts-test', 'silent');
const registry = new Registry();
let connection: Connection;

beforeAll(async () => {
  connection = await connectMongo(mongoUrlFor(uniqueName('grouped_')), { logger, attempts: 3, registry });
});

afterAll(async () => {
  await connection?.dropDatabase().catch(() => undefined);
  await connection?.close();
});

async function commandCount(command: string, collection: string): Promise<number> {
  const metric = await registry.getSingleMetric('mongodb_command_duration_seconds')!.get();
  return metric.values
    .filter(
      (value) =>
        (value as { metricName?: string }).metricName === 'mongodb_command_duration_seconds_count' &&
        value.labels.command === command &&
        value.labels.collection === collection,
    )
    .reduce((sum, value) => sum + value.value, 0);
}

const widgets = (name: string) => connection.collection<Widget>(name) as unknown as mongo.Collection<Widget>;
const widget = (id: string): Widget => ({ _id: id, n: 1 });

describe('grouped inserts on the database', () => {
  it('when documents arrive while an insert is in flight, then they share commands and all are saved', async () => {
    const collection = widgets('shared');
    const insert = createGroupedInserts(collection);

    const first = Array.from({ length: 10 }, (_, i) => insert(widget(`a${i}`)));
    const meanwhile = Array.from({ length: 10 }, (_, i) => insert(widget(`b${i}`)));
    await Promise.all([...first, ...meanwhile]);

    expect(await collection.countDocuments()).toBe(20);
    expect(await commandCount('insert', 'shared')).toBeLessThanOrEqual(2);
  });

  it('when one document of a group repeats a key, then only its caller gets the E11000', async () => {
    const collection = widgets('refusals');
    await collection.insertOne(widget('taken'));
    const insert = createGroupedInserts(collection);

    const outcomes = await Promise.allSettled(['x1', 'taken', 'x2', 'x3'].map((id) => insert(widget(id))));

    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(isDuplicateKey((outcomes[1] as PromiseRejectedResult).reason)).toBe(true);
    expect(await collection.countDocuments()).toBe(4);
  });

  it('when a document is saved alone, then it goes as one insert of its own', async () => {
    const collection = widgets('alone');
    const insert = createGroupedInserts(collection);

    await insert(widget('only'));

    expect(await commandCount('insert', 'alone')).toBe(1);
    await expect(insert(widget('only'))).rejects.toSatisfy(isDuplicateKey);
  });
});

/** A collection whose commands end when the test says, counting what was sent. */
function controlledCollection() {
  const sent: string[][] = [];
  const pending: { settle: (error?: unknown) => void }[] = [];
  const command = (ids: string[]) =>
    new Promise<void>((resolve, reject) => {
      sent.push(ids);
      pending.push({ settle: (error) => (error ? reject(error) : resolve()) });
    });
  const collection = {
    insertOne: (document: Widget) => command([document._id]),
    insertMany: (documents: Widget[]) => command(documents.map((document) => document._id)),
  } as unknown as mongo.Collection<Widget>;
  return { collection, sent, pending };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('grouped inserts, scheduling', () => {
  it('when a group is in flight, then later documents wait for it and go out together', async () => {
    const { collection, sent, pending } = controlledCollection();
    const insert = createGroupedInserts(collection, { stallMs: 10_000 });

    const first = insert(widget('a'));
    await tick();
    const later = [insert(widget('b')), insert(widget('c'))];
    await tick();
    expect(sent).toEqual([['a']]);

    pending[0]!.settle();
    await first;
    await tick();
    expect(sent).toEqual([['a'], ['b', 'c']]);
    pending[1]!.settle();
    await Promise.all(later);
  });

  it('when a group stalls, then the documents behind it are sent after stallMs, not when it ends', async () => {
    const { collection, sent, pending } = controlledCollection();
    const insert = createGroupedInserts(collection, { stallMs: 20 });

    void insert(widget('stuck'));
    await tick();
    const behind = insert(widget('behind'));
    await new Promise((resolve) => setTimeout(resolve, 60));

    expect(sent).toEqual([['stuck'], ['behind']]);
    pending[1]!.settle();
    await behind;
    pending[0]!.settle();
  });

  it('when the server aborts a whole group for a write conflict, then each document is sent again alone', async () => {
    const { collection, sent, pending } = controlledCollection();
    const insert = createGroupedInserts(collection);

    const all = Promise.all(['a', 'b'].map((id) => insert(widget(id))));
    await tick();
    pending[0]!.settle(Object.assign(new Error('deadlock detected'), { code: 16908292 }));
    await tick();
    expect(sent).toEqual([['a', 'b'], ['a'], ['b']]);
    pending[1]!.settle();
    pending[2]!.settle();
    await all;
  });

  it('when a group fails with no per-document answer, then every caller gets that failure', async () => {
    const { collection, pending } = controlledCollection();
    const insert = createGroupedInserts(collection);
    const lost = new Error('connection closed');

    const outcomes = Promise.allSettled(['a', 'b'].map((id) => insert(widget(id))));
    await tick();
    pending[0]!.settle(lost);

    expect((await outcomes).map((outcome) => (outcome as PromiseRejectedResult).reason)).toEqual([
      lost,
      lost,
    ]);
  });
});

interface Tally {
  _id: string;
  units: number;
}

describe('grouped upserts on the database', () => {
  const claim = (id: string, units: number, cap = 10) => ({
    filter: { _id: id, units: { $lte: cap - units } },
    update: { $inc: { units } },
  });

  it('when claims share a command and one does not fit, then only its caller gets the E11000 and the others apply', async () => {
    const tallies = connection.collection<Tally>('tallies') as unknown as mongo.Collection<Tally>;
    await tallies.createIndex({ units: 1 });
    await tallies.insertOne({ _id: 'full', units: 9 });
    const upsert = createGroupedUpserts(tallies);

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
    expect(await tallies.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'a', units: 5 },
      { _id: 'b', units: 1 },
      { _id: 'full', units: 10 },
    ]);
    expect(await commandCount('update', 'tallies')).toBe(1);
  });
});
