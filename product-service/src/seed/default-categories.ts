import { isDuplicateKey } from '@ecom/service-kit';
import type { CatalogCache } from '../cache/catalog-cache';
import type { Models } from '../models';
import { DEMO_CATEGORIES } from './demo-catalog';
import { categoryKey } from '../categories/category-model';

/**
 * A fresh catalog starts with the demo catalog's categories (Electronics, Books, Clothing, ...):
 * products must name an existing category, and the original API's documented example creates a
 * product in "Electronics" on a new stack. Only an empty catalog gets them, so categories an admin
 * later renamed or deleted stay that way. Returns how many were created.
 */
export async function ensureDefaultCategories(models: Models, cache?: CatalogCache): Promise<number> {
  if ((await models.categories.countDocuments({}, { limit: 1 })) > 0) return 0;
  const categories = DEMO_CATEGORIES.map(({ name, description }) => ({
    name,
    description,
    nameKey: categoryKey(name),
  }));
  // Two replicas starting together: the unique name index keeps one of each.
  const created = await models.categories
    .insertMany(categories, { ordered: false })
    .then((docs) => docs.length)
    .catch((error: unknown) => {
      if (isDuplicateKey(error)) return 0;
      throw error;
    });
  if (created > 0) await cache?.categoriesChanged();
  return created;
}
