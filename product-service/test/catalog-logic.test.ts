import { describe, expect, it } from 'vitest';
import { mergeItems } from '../src/inventory/inventory';
import { escapeRegex, productListFilter, productListSort } from '../src/products/product-query';
import { productListQuerySchema } from '../src/products/product-schemas';

describe('product list query', () => {
  it('escapes every regex metacharacter so search text matches literally', () => {
    const text = '.*+?^${}()|[]\\';
    expect(new RegExp(escapeRegex(text)).test(`x${text}y`)).toBe(true);
    expect(new RegExp(escapeRegex('a.c')).test('abc')).toBe(false);
  });

  it('builds filter and a stable sort from a parsed query', () => {
    const query = productListQuerySchema.parse({
      category: ' Books ',
      minPrice: '1.5',
      inStock: 'true',
      q: 'x',
      sort: '-price',
    });
    expect(productListFilter(query)).toEqual({
      isActive: true,
      categoryKey: 'books',
      priceCents: { $gte: 150 },
      stock: { $gt: 0 },
      $or: [{ name: { $regex: 'x', $options: 'i' } }, { description: { $regex: 'x', $options: 'i' } }],
    });
    expect(productListSort('-price')).toEqual({ priceCents: -1, _id: -1 });
    expect(productListSort('name')).toEqual({ name: 1, _id: 1 });
  });
});

describe('reservation items', () => {
  it('merges repeated products and sorts them', () => {
    const a = 'bbbbbbbbbbbbbbbbbbbbbbbb';
    const b = 'AAAAAAAAAAAAAAAAAAAAAAAA';
    expect(
      mergeItems([
        { productId: a, quantity: 1 },
        { productId: b, quantity: 2 },
        { productId: a, quantity: 3 },
      ]),
    ).toEqual([
      { productId: b.toLowerCase(), quantity: 2 },
      { productId: a, quantity: 4 },
    ]);
  });
});
