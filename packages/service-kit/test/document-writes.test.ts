/**
 * The contract every DocumentWrites mode keeps: a guarded write applies only to a document that
 * matches its guard at the moment of writing. `ferretdb` mode runs over a pool of 10 connections
 * (its in-process queue per document is what makes it hold); `mongodb` mode over one connection,
 * which FerretDB serves one command at a time (on MongoDB the server itself makes it hold).
 */
import { mongoUrlFor, uniqueName } from '@ecom/test-support';
import { type Connection, type Model, Schema } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chooseStorageMode,
  createDocumentWrites,
  KeyedQueue,
  type StorageMode,
} from '../src/document-writes';
import { createLogger } from '../src/logger';
import { connectMongo } from '../src/mongo';

const logger = createLogger('document-writes-test', 'silent');

interface Item {
  _id: string;
  stock: number;
  holds: string[];
}

describe.each(['ferretdb', 'mongodb'] as const)('DocumentWrites, %s mode', (mode: StorageMode) => {
  let connection: Connection;
  let items: Model<Item>;
  const writes = createDocumentWrites(mode);

  beforeAll(async () => {
    const url = mongoUrlFor(uniqueName('writes_'));
    connection = await connectMongo(
      mode === 'ferretdb' ? url.replace('maxPoolSize=1', 'maxPoolSize=10') : url,
      {
        logger,
        attempts: 3,
      },
    );
    items = connection.model<Item>(
      'Item',
      new Schema<Item>({ _id: String, stock: Number, holds: { type: [String], default: [] } }),
    );
  });

  afterAll(async () => {
    await connection?.dropDatabase().catch(() => undefined);
    await connection?.close();
  });

  it('when 60 guarded takes race for 10 units, then exactly 10 apply and stock ends at 0', async () => {
    const id = uniqueName('item-');
    await items.create({ _id: id, stock: 10 });

    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        writes.update(items, id, { stock: { $gte: 1 } }, { $inc: { stock: -1 }, $push: { holds: `o${i}` } }),
      ),
    );

    expect(results.filter(Boolean)).toHaveLength(10);
    const stored = await items.findById(id).lean();
    expect(stored).toMatchObject({ stock: 0 });
    expect(stored?.holds).toHaveLength(10);
  });

  it('when a guard does not match, then nothing is written and the answer says so', async () => {
    const id = uniqueName('item-');
    await items.create({ _id: id, stock: 1, holds: ['a'] });

    expect(await writes.update(items, id, { holds: { $ne: 'a' } }, { $inc: { stock: 5 } })).toBe(false);
    expect(await writes.updateAndGet(items, id, { stock: { $gte: 2 } }, { $inc: { stock: -2 } })).toBeNull();
    expect(await writes.remove(items, id, { stock: 0 })).toBe(false);
    expect(await writes.update(items, 'missing', {}, { $inc: { stock: 1 } })).toBe(false);
    expect(await items.findById(id).lean()).toMatchObject({ stock: 1, holds: ['a'] });
  });

  it('when a guard matches, then the write applies and updateAndGet answers the document as written', async () => {
    const id = uniqueName('item-');
    await items.create({ _id: id, stock: 3 });

    expect(await writes.updateAndGet(items, id, { stock: 3 }, { $inc: { stock: -1 } })).toMatchObject({
      stock: 2,
    });
    expect(await writes.remove(items, id, { stock: 2 })).toBe(true);
    expect(await items.findById(id).lean()).toBeNull();
  });
});

describe('choosing the storage mode', () => {
  it('when set to auto, then the test server decides; when set explicitly, then the setting wins', async () => {
    const connection = await connectMongo(mongoUrlFor(uniqueName('mode_')), { logger, attempts: 3 });
    try {
      const info = await connection.db!.admin().command({ buildInfo: 1 });
      const expected = typeof info.ferretdbVersion === 'string' ? 'ferretdb' : 'mongodb';
      expect(await chooseStorageMode(connection, 'auto', logger)).toBe(expected);
      expect(await chooseStorageMode(connection, 'mongodb', logger)).toBe('mongodb');
      expect(await chooseStorageMode(connection, 'ferretdb', logger)).toBe('ferretdb');
    } finally {
      await connection.close();
    }
  });
});

describe('KeyedQueue', () => {
  it('when work for one key overlaps, then it runs one at a time in arrival order, and a failure does not block the next', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const step = (name: string, fail = false) =>
      queue.run('k', async () => {
        log.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([
      step('a'),
      step('b', true),
      step('c'),
      queue.run('other', async () => 'x'),
    ]);
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(queue.size).toBe(0);
  });
});
