import { createHash } from 'node:crypto';
import { type Page, toPage } from '@ecom/service-kit';
import { type CatalogCache, type JsonRead, versionKeys } from '../cache/catalog-cache';
import type { CategoryStore } from '../categories/category-store';
import { ProductNotFound, UnknownCategory } from './product-errors';
import type { ProductInput, ProductListQuery, ProductPatch } from './product-schemas';
import type { NewProduct, ProductStore } from './product-store';
import { type ProductRecord, type ProductView, productView } from './product-view';

export interface ProductCatalogDeps {
  products: ProductStore;
  categories: Pick<CategoryStore, 'storedName'>;
  cache: Pick<CatalogCache, 'readJson' | 'ttls' | 'productsChanged'>;
}

/** Product reads (cache-aside) and admin writes (one single-document write each, then cache invalidation). */
export interface ProductCatalog {
  /** The page as JSON text, cached; hits carry the live stock of their products. */
  list(query: ProductListQuery): Promise<JsonRead>;
  /** The product as JSON text, cached, with its live stock. */
  get(id: string): Promise<JsonRead>;
  create(input: ProductInput): Promise<ProductView>;
  /** PUT: every field is replaced; an absent SKU removes the product's SKU. */
  replace(id: string, input: ProductInput): Promise<ProductView>;
  patch(id: string, patch: ProductPatch): Promise<ProductView>;
  remove(id: string): Promise<void>;
}

export function createProductCatalog({ products, categories, cache }: ProductCatalogDeps): ProductCatalog {
  /** Products name an existing category; the stored name is the category's own spelling. */
  async function resolveCategory(name: string): Promise<string> {
    const stored = await categories.storedName(name);
    if (stored === null) throw new UnknownCategory(name);
    return stored;
  }

  async function changed(id: string, record: ProductRecord | null): Promise<ProductView> {
    if (!record) throw new ProductNotFound();
    await cache.productsChanged([id]);
    return productView(record);
  }

  return {
    list(query) {
      const digest = createHash('sha1').update(JSON.stringify(query)).digest('hex');
      return cache.readJson({
        cache: 'product_list',
        versionKey: versionKeys.productLists,
        dataKey: `products:list:${digest}`,
        ttlSeconds: cache.ttls.list,
        productIdsOf: (page: Page<ProductView>) => page.items.map((item) => item.id),
        load: async () => {
          const { records, total } = await products.page(query);
          return toPage(records.map(productView), total, query.page, query.limit);
        },
      });
    },

    get: (id) =>
      cache.readJson({
        cache: 'product',
        versionKey: versionKeys.product(id),
        dataKey: `products:item:${id}`,
        ttlSeconds: cache.ttls.product,
        ownProductId: id,
        productIdsOf: () => [id],
        load: async () => {
          const record = await products.byId(id);
          if (!record) throw new ProductNotFound();
          return productView(record);
        },
      }),

    async create(input) {
      const category = await resolveCategory(input.category);
      const view = productView(await products.create({ ...input, category }));
      await cache.productsChanged([view.id]);
      return view;
    },

    async replace(id, input) {
      const product: NewProduct = { ...input, category: await resolveCategory(input.category) };
      return changed(id, await products.replace(id, product));
    },

    async patch(id, patch) {
      const { category, ...rest } = patch;
      const changes = category === undefined ? rest : { ...rest, category: await resolveCategory(category) };
      return changed(id, await products.patch(id, changes));
    },

    async remove(id) {
      if (!(await products.remove(id))) throw new ProductNotFound();
      await cache.productsChanged([id]);
    },
  };
}
