import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');
const sourceRoots = [
  'api-gateway',
  'user-service',
  'product-service',
  'order-service',
  'packages/service-kit',
];

/** Where MongoDB is read and written: each aggregate's store, which alone compiles its model. */
const STORAGE_MODULES = new Set([
  'product-service/src/inventory/stock-store.ts',
  'product-service/src/products/product-store.ts',
  'product-service/src/categories/category-store.ts',
  'order-service/src/orders/order-store.ts',
  'order-service/src/holds/hold-store.ts',
  'user-service/src/users/user-store.ts',
  // Group commit: sends, in one command, the writes the stores above built.
  'packages/service-kit/src/grouped-writes.ts',
]);

/**
 * Reads of a collection: `find` with a filter object (not an array's `find` with a callback), and the
 * model/collection lookups and counts. An aggregate is read through its store like it is written.
 */
const READS =
  /\.(findById|findOne|countDocuments|estimatedDocumentCount|aggregate|exists|distinct)\(|\.find\(\s*\{/;

/** Conditional and bulk writes: the filter is what makes them safe, so only stores build one. */
const WRITES =
  /\.(updateOne|updateMany|findOneAndUpdate|findByIdAndUpdate|findOneAndDelete|findByIdAndDelete|deleteOne|deleteMany|replaceOne|bulkWrite)\(/;
/** Asking which server is behind the connection, or serialising writes in-process instead of asking it. */
const SERVER_CHECKS_AND_LOCKS =
  /\b(buildInfo|ferretdbVersion|withLocks?|lockKeys|DocumentLocks|async-mutex)\b/;
/**
 * The database has no multi-document transactions: no driver or mongoose session is opened, nor a
 * transaction started (user-service's own `startSession` is a login session, a plain function).
 */
const SESSIONS =
  /\.(startSession|withSession|withTransaction|startTransaction|commitTransaction|transaction)\s*\(/;

/** An import of a mongoose model module (`./order-model`, `../products/product-model`). */
const MODEL_IMPORT = /from\s+'[^']*-model'/;

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory())
      return ['node_modules', 'dist', 'test'].includes(entry.name) ? [] : sourceFiles(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

const files = sourceRoots.flatMap((dir) => sourceFiles(path.posix.join(dir, 'src')));
const matching = (pattern: RegExp) =>
  files.filter((file) => pattern.test(readFileSync(path.join(root, file), 'utf8')));

describe('the storage boundary', () => {
  it('when code is searched for updates and deletes, then only storage modules make them', () => {
    expect(matching(WRITES).filter((file) => !STORAGE_MODULES.has(file))).toEqual([]);
  });

  it('when code is searched for reads of a collection, then only storage modules make them', () => {
    expect(matching(READS).filter((file) => !STORAGE_MODULES.has(file))).toEqual([]);
  });

  it('when code is searched for imports of a model, then only storage modules import one', () => {
    expect(matching(MODEL_IMPORT).filter((file) => !STORAGE_MODULES.has(file))).toEqual([]);
  });

  it('when code is searched for server checks or in-process write locks, then none is found', () => {
    expect(matching(SERVER_CHECKS_AND_LOCKS)).toEqual([]);
  });

  it('when code is searched for sessions and transactions, then none is found (the database has none)', () => {
    expect(matching(SESSIONS)).toEqual([]);
  });

  it('when the searches run, then they see what they forbid (the stores write, a session call matches)', () => {
    expect(matching(WRITES)).toEqual(
      expect.arrayContaining([
        'product-service/src/inventory/stock-store.ts',
        'order-service/src/orders/order-store.ts',
        'order-service/src/holds/hold-store.ts',
      ]),
    );
    for (const read of ['users.findById(id)', 'orders.find({ status })', 'model.countDocuments(filter)'])
      expect(READS.test(read)).toBe(true);
    expect(READS.test('items.find((item) => item.id === id)')).toBe(false);
    expect(MODEL_IMPORT.test("import { createOrderModel } from './order-model';")).toBe(true);
    expect(MODEL_IMPORT.test("import type { Order } from './order-types';")).toBe(false);
    expect(matching(MODEL_IMPORT)).toContain('order-service/src/orders/order-store.ts');
    for (const call of [
      'connection.startSession()',
      'session.withTransaction(async () => {})',
      'mongoose.connection.transaction(fn)',
    ])
      expect(SESSIONS.test(call)).toBe(true);
  });
});
