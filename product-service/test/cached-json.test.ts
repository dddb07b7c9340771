import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, overlayStock } from '../src/cache/cached-json';

const product = (id: string, stock: number, extra: Record<string, unknown> = {}) => ({
  id,
  name: 'Mug',
  description: 'Says "stock":1 and ,"updatedAt":"x" in its text',
  price: 12.5,
  category: 'Kitchen',
  stock,
  isActive: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-02T00:00:00.000Z',
  ...extra,
});

describe('cached JSON entries', () => {
  it('when an entry is encoded and decoded, then version, product ids and body come back as they were', () => {
    const json = JSON.stringify({ items: [product('a1', 3)] });
    expect(
      decodeEntry(
        Buffer.from(encodeEntry({ version: '7', fingerprint: 'f1', productIds: ['a1', 'b2'], json })),
      ),
    ).toEqual({
      version: '7',
      fingerprint: 'f1',
      productIds: ['a1', 'b2'],
      json: Buffer.from(json),
    });
    expect(
      decodeEntry(Buffer.from(encodeEntry({ version: '0', fingerprint: 'f0', productIds: [], json: '[]' }))),
    ).toEqual({
      version: '0',
      fingerprint: 'f0',
      productIds: [],
      json: Buffer.from('[]'),
    });
  });

  it('when an entry has the format of an older release, then it reads as a miss', () => {
    expect(decodeEntry(Buffer.from(JSON.stringify({ v: '3', data: { items: [] } })))).toBeUndefined();
  });

  it('when live stock is laid over a page, then only that product changes, whatever its texts say', () => {
    const page = { items: [product('a1', 3), product('b2', 10, { sku: 'B-2' })], total: 2 };
    const json = JSON.stringify(page);
    const overlaid = overlayStock(json, 'b2', { stock: 7, updatedAt: '2026-03-04T05:06:07.089Z' });
    expect(JSON.parse(overlaid)).toEqual({
      ...page,
      items: [page.items[0], { ...page.items[1], stock: 7, updatedAt: '2026-03-04T05:06:07.089Z' }],
    });
    const first = overlayStock(json, 'a1', { stock: 1234, updatedAt: '2026-03-04T05:06:07.089Z' });
    expect(JSON.parse(first).items[0]).toMatchObject({
      stock: 1234,
      description: page.items[0]!.description,
    });
    expect(JSON.parse(first).items[1]).toEqual(page.items[1]);
  });

  it('when the product is not in the body, then the body is unchanged', () => {
    const json = JSON.stringify(product('a1', 3));
    expect(overlayStock(json, 'zz', { stock: 1, updatedAt: '2026-03-04T05:06:07.089Z' })).toBe(json);
  });
});
