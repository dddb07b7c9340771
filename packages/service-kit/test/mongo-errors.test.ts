import { describe, expect, it } from 'vitest';
import { isDuplicateKey } from '../src/mongo-errors';

describe('isDuplicateKey', () => {
  it.each([
    ['MongoDB code 11000', { code: 11000, message: 'E11000 duplicate key error' }],
    ['FerretDB over SQLite', { code: 1, message: 'UNIQUE constraint failed: products.sku' }],
    [
      'FerretDB over PostgreSQL',
      new Error('duplicate key value violates unique constraint "products_sku_idx"'),
    ],
  ])('recognises %s', (_case, error) => {
    expect(isDuplicateKey(error)).toBe(true);
  });

  it.each([
    ['another code', { code: 112, message: 'WriteConflict' }],
    ['a plain error', new Error('connection reset')],
    ['undefined', undefined],
    ['null', null],
  ])('refuses %s', (_case, error) => {
    expect(isDuplicateKey(error)).toBe(false);
  });
});
