import { type CatalogCache, type JsonRead, versionKeys } from '../cache/catalog-cache';
import { CategoryHasProducts, CategoryNotFound } from './category-errors';
import { categoryKey } from './category-key';
import type { CategoryInput, CategoryView } from './category-schemas';
import type { CategoryRecord, CategoryStore } from './category-store';

function categoryView(record: CategoryRecord): CategoryView {
  return {
    id: record._id.toString(),
    name: record.name,
    description: record.description ?? '',
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

/**
 * What the category use cases need of the products (the product store has it): a narrow view, so
 * categories do not depend on the products component, which depends on them.
 */
export interface ProductsOfCategories {
  countInCategory(key: string): Promise<number>;
  /** Moves the products of the category `oldKey` to the category `name`; returns their ids. */
  moveToCategory(oldKey: string, name: string): Promise<string[]>;
}

export interface CategoryCatalogDeps {
  categories: CategoryStore;
  products: ProductsOfCategories;
  cache: Pick<CatalogCache, 'readJson' | 'ttls' | 'categoriesChanged' | 'productsChanged'>;
}

/** Category reads (cache-aside) and admin writes, each followed by the cache invalidation it needs. */
export interface CategoryCatalog {
  /** `{ items: [...] }` as JSON text, cached. */
  list(): Promise<JsonRead>;
  get(id: string): Promise<JsonRead>;
  create(input: CategoryInput): Promise<CategoryView>;
  /** PUT replaces name and description; a rename is carried to the products of the category. */
  replace(id: string, input: CategoryInput): Promise<CategoryView>;
  remove(id: string): Promise<void>;
}

export function createCategoryCatalog({ categories, products, cache }: CategoryCatalogDeps): CategoryCatalog {
  async function existing(id: string): Promise<CategoryRecord> {
    const record = await categories.byId(id);
    if (!record) throw new CategoryNotFound();
    return record;
  }

  return {
    list: () =>
      cache.readJson({
        cache: 'category_list',
        versionKey: versionKeys.categories,
        dataKey: 'categories:list',
        ttlSeconds: cache.ttls.category,
        productIdsOf: () => [],
        load: async () => ({ items: (await categories.all()).map(categoryView) }),
      }),

    get: (id) =>
      cache.readJson({
        cache: 'category',
        versionKey: versionKeys.categories,
        dataKey: `categories:item:${id}`,
        ttlSeconds: cache.ttls.category,
        productIdsOf: () => [],
        load: async () => categoryView(await existing(id)),
      }),

    async create(input) {
      const created = await categories.create(input);
      await cache.categoriesChanged();
      return categoryView(created);
    },

    async replace(id, input) {
      const before = await existing(id);
      const record = await categories.replace(id, input);
      if (!record) throw new CategoryNotFound();
      if (before.name !== record.name) {
        // By the ids moved, so the cache hears of exactly the products that changed.
        const moved = await products.moveToCategory(categoryKey(before.name), record.name);
        if (moved.length > 0) await cache.productsChanged(moved);
      }
      await cache.categoriesChanged();
      return categoryView(record);
    },

    async remove(id) {
      const record = await existing(id);
      const count = await products.countInCategory(categoryKey(record.name));
      if (count > 0) throw new CategoryHasProducts(count);
      await categories.remove(id);
      await cache.categoriesChanged();
    },
  };
}
