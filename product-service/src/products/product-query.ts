import { categoryKey } from '../categories/category-key';
import { toCents } from '@ecom/service-kit';
import type { ProductListQuery } from './product-schemas';

/** Makes user text match literally inside a regular expression. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The MongoDB filter for a list query; only active products are listed. */
export function productListFilter(query: ProductListQuery): Record<string, unknown> {
  const filter: Record<string, unknown> = { isActive: true };
  if (query.category) filter.categoryKey = categoryKey(query.category);
  if (query.minPrice !== undefined || query.maxPrice !== undefined) {
    const price: Record<string, number> = {};
    if (query.minPrice !== undefined) price.$gte = toCents(query.minPrice);
    if (query.maxPrice !== undefined) price.$lte = toCents(query.maxPrice);
    filter.priceCents = price;
  }
  if (query.inStock !== undefined) filter.stock = query.inStock ? { $gt: 0 } : 0;
  if (query.q) {
    const pattern = { $regex: escapeRegex(query.q), $options: 'i' };
    filter.$or = [{ name: pattern }, { description: pattern }];
  }
  return filter;
}

const SORT_FIELDS = { price: 'priceCents', createdAt: 'createdAt', name: 'name' } as const;

/** Sort specification with `_id` last, so pages are stable when sort values tie. */
export function productListSort(sort: ProductListQuery['sort']): Record<string, 1 | -1> {
  const descending = sort.startsWith('-');
  const field = SORT_FIELDS[(descending ? sort.slice(1) : sort) as keyof typeof SORT_FIELDS];
  const direction = descending ? -1 : 1;
  return { [field]: direction, _id: direction };
}
