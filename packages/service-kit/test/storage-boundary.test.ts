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

/**
 * How writes are isolated (and which server is behind them) is known in one place per aggregate.
 * Storage modules may use it; composition roots may only choose and hand it over.
 */
const STORAGE_MODULES = new Set([
  'packages/service-kit/src/document-writes.ts',
  'packages/service-kit/src/single-writer.ts',
  'product-service/src/inventory/stock-store.ts',
  'product-service/src/products/product-catalog.ts',
  'product-service/src/categories/category-catalog.ts',
  'order-service/src/orders/order-store.ts',
  'order-service/src/lookups/id-lists.ts',
  'order-service/src/idempotency/idempotency-store.ts',
  'order-service/src/holds/hold-store.ts',
  'user-service/src/users/user-store.ts',
]);
const COMPOSITION_ROOTS = new Set([
  'product-service/src/service.ts',
  'product-service/src/services.ts',
  'order-service/src/service.ts',
  'order-service/src/compose.ts',
  'order-service/src/settings.ts',
  'user-service/src/service.ts',
  'user-service/src/app.ts',
  'packages/service-kit/src/index.ts',
  'packages/service-kit/src/config.ts',
  'packages/service-kit/src/service-root.ts',
]);

/** Locks, lock keys, write isolation and server detection. */
const ISOLATION =
  /\b(KeyedQueue|withLocks?|lockKeys|lockedFilter|DocumentLocks|buildInfo|ferretdbVersion|serverGuardsAtomically)\b|\bwrites\.(update|updateAndGet|remove)\(/;
/** Choosing or passing the mode, which composition roots do. */
const WIRING =
  /\b(createDocumentWrites|chooseStorageMode|DocumentWrites|StorageMode|STORAGE_MODE|storageMode)\b/;

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
  it('when business code is searched for locks, lock keys, guarded writes or server checks, then only storage modules have them', () => {
    expect(matching(ISOLATION).filter((file) => !STORAGE_MODULES.has(file))).toEqual([]);
  });

  it('when code is searched for the storage mode, then only storage modules and composition roots name it', () => {
    const allowed = (file: string) => STORAGE_MODULES.has(file) || COMPOSITION_ROOTS.has(file);
    expect(matching(WIRING).filter((file) => !allowed(file))).toEqual([]);
  });

  it('when the search runs, then it finds the storage modules themselves (it can see what it forbids)', () => {
    expect(matching(ISOLATION)).toEqual(
      expect.arrayContaining([
        'product-service/src/inventory/stock-store.ts',
        'order-service/src/orders/order-store.ts',
        'order-service/src/lookups/id-lists.ts',
      ]),
    );
  });
});
