import type { CatalogCache } from '../cache/catalog-cache';
import type { CategoryStore } from '../categories/category-store';
import { DEMO_CATEGORIES } from './demo-catalog';

/**
 * A fresh catalog starts with the demo catalog's categories (Electronics, Books, Clothing, ...):
 * products must name an existing category, and the original API's documented example creates a
 * product in "Electronics" on a new stack. Only an empty catalog gets them, so categories an admin
 * later renamed or deleted stay that way. Returns how many were created.
 */
export async function ensureDefaultCategories(
  categories: Pick<CategoryStore, 'isEmpty' | 'insertNew'>,
  cache?: Pick<CatalogCache, 'categoriesChanged'>,
): Promise<number> {
  if (!(await categories.isEmpty())) return 0;
  // Two replicas starting together: the unique name index keeps one of each.
  const created = await categories.insertNew(
    DEMO_CATEGORIES.map(({ name, description }) => ({ name, description })),
  );
  if (created > 0) await cache?.categoriesChanged();
  return created;
}
