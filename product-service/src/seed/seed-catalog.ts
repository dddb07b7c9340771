import { fromCents } from '@ecom/service-kit';
import type { CatalogCache } from '../cache/catalog-cache';
import { categoryKey } from '../categories/category-key';
import type { CategoryStore } from '../categories/category-store';
import type { ProductStore } from '../products/product-store';
import { DEMO_CATEGORIES, demoProducts } from './demo-catalog';

export interface SeedResult {
  categoriesCreated: number;
  productsCreated: number;
}

export interface SeedStores {
  categories: Pick<CategoryStore, 'namesByKey' | 'insertNew'>;
  products: Pick<ProductStore, 'skusTaken' | 'insertMany'>;
}

/**
 * Inserts whatever part of the demo catalog is missing (categories by name, products by SKU) and
 * never modifies existing documents, so it is safe to run again and against a live service. A
 * concurrent seed may insert the same document first; that is the outcome we wanted anyway.
 */
export async function seedCatalog(
  { categories, products }: SeedStores,
  cache?: Pick<CatalogCache, 'productsChanged' | 'categoriesChanged'>,
): Promise<SeedResult> {
  const categoryKeys = DEMO_CATEGORIES.map((category) => categoryKey(category.name));
  const knownKeys = new Set((await categories.namesByKey(categoryKeys)).keys());
  const newCategories = DEMO_CATEGORIES.filter((category) => !knownKeys.has(categoryKey(category.name)));
  if (newCategories.length > 0) {
    await categories.insertNew(newCategories.map(({ name, description }) => ({ name, description })));
  }

  // Products carry the category's stored spelling, which may differ in case from the demo's.
  const nameByKey = await categories.namesByKey(categoryKeys);
  const demo = demoProducts();
  const knownSkus = await products.skusTaken(demo.map((product) => product.sku));
  const newProducts = demo
    .filter((product) => !knownSkus.has(product.sku))
    .map(({ priceCents, category, ...product }) => ({
      ...product,
      price: fromCents(priceCents),
      category: nameByKey.get(categoryKey(category)) ?? category,
      isActive: true,
    }));
  if (newProducts.length > 0) await products.insertMany(newProducts, { skipDuplicates: true });

  if (cache && newProducts.length > 0) await cache.productsChanged([]);
  if (cache && newCategories.length > 0) await cache.categoriesChanged();
  return { categoriesCreated: newCategories.length, productsCreated: newProducts.length };
}
