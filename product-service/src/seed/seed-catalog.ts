import { isDuplicateKey } from '@ecom/service-kit';
import type { CatalogCache } from '../cache/catalog-cache';
import { categoryKey } from '../categories/category-model';
import type { Models } from '../models';
import { DEMO_CATEGORIES, demoProducts } from './demo-catalog';

export interface SeedResult {
  categoriesCreated: number;
  productsCreated: number;
}

/** A concurrent seed may insert the same document first; that is the outcome we wanted anyway. */
function ignoreDuplicates(error: unknown): void {
  const writeErrors = (error as { writeErrors?: unknown[] }).writeErrors;
  const allDuplicates = Array.isArray(writeErrors) && writeErrors.every(isDuplicateKey);
  if (!isDuplicateKey(error) && !allDuplicates) throw error;
}

/**
 * Inserts whatever part of the demo catalog is missing (categories by name, products by SKU) and
 * never modifies existing documents, so it is safe to run again and against a live service.
 */
export async function seedCatalog(models: Models, cache?: CatalogCache): Promise<SeedResult> {
  const categoryKeys = DEMO_CATEGORIES.map((category) => categoryKey(category.name));
  const knownCategories = await models.categories
    .find({ nameKey: { $in: categoryKeys } })
    .select('nameKey')
    .lean();
  const knownKeys = new Set(knownCategories.map((category) => category.nameKey));
  const newCategories = DEMO_CATEGORIES.filter((category) => !knownKeys.has(categoryKey(category.name)));
  if (newCategories.length > 0) {
    await models.categories
      .insertMany(
        newCategories.map(({ name, description }) => ({ name, description, nameKey: categoryKey(name) })),
        { ordered: false },
      )
      .catch(ignoreDuplicates);
  }

  // Products carry the category's stored spelling, which may differ in case from the demo's.
  const categories = await models.categories
    .find({ nameKey: { $in: categoryKeys } })
    .select('name nameKey')
    .lean();
  const nameByKey = new Map(categories.map((category) => [category.nameKey, category.name]));
  const products = demoProducts();
  const knownSkus = new Set(
    (
      await models.products
        .find({ sku: { $in: products.map((p) => p.sku) } })
        .select('sku')
        .lean()
    ).map((p) => p.sku),
  );
  const newProducts = products
    .filter((product) => !knownSkus.has(product.sku))
    .map((product) => {
      const key = categoryKey(product.category);
      return {
        ...product,
        category: nameByKey.get(key) ?? product.category,
        categoryKey: key,
        isActive: true,
      };
    });
  if (newProducts.length > 0) {
    await models.products.insertMany(newProducts, { ordered: false }).catch(ignoreDuplicates);
  }

  if (cache && newProducts.length > 0) await cache.productsChanged([]);
  if (cache && newCategories.length > 0) await cache.categoriesChanged();
  return { categoriesCreated: newCategories.length, productsCreated: newProducts.length };
}
