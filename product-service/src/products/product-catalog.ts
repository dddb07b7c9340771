import { createHash } from 'node:crypto';
import { HttpError, isDuplicateKey, type Page, toCents, toPage } from '@ecom/service-kit';
import { type CatalogCache, type JsonRead, versionKeys } from '../cache/catalog-cache';
import { categoryKey } from '../categories/category-model';
import type { Models } from '../models';
import { productListFilter, productListSort } from './product-query';
import type { ProductInput, ProductListQuery, ProductPatch } from './product-schemas';
import { PRODUCT_PROJECTION, type ProductRecord, type ProductView, productView } from './product-view';

export interface ProductCatalogDeps {
  models: Models;
  cache: CatalogCache;
}

function duplicateSku(error: unknown): never {
  if (isDuplicateKey(error)) throw HttpError.conflict('A product with this SKU already exists');
  throw error;
}

/** Product reads (cache-aside) and admin writes (one single-document write each, then cache invalidation). */
export class ProductCatalog {
  constructor(private readonly deps: ProductCatalogDeps) {}

  /** The page as JSON text, cached; hits carry the live stock of their products. */
  async list(query: ProductListQuery): Promise<JsonRead> {
    const { cache, models } = this.deps;
    const digest = createHash('sha1').update(JSON.stringify(query)).digest('hex');
    return cache.readJson({
      cache: 'product_list',
      versionKey: versionKeys.productLists,
      dataKey: `products:list:${digest}`,
      ttlSeconds: cache.ttls.list,
      productIdsOf: (page: Page<ProductView>) => page.items.map((item) => item.id),
      load: async () => {
        const filter = productListFilter(query);
        const [records, total] = await Promise.all([
          models.products
            .find(filter)
            .select(PRODUCT_PROJECTION)
            .sort(productListSort(query.sort))
            .skip((query.page - 1) * query.limit)
            .limit(query.limit)
            .lean<ProductRecord[]>(),
          models.products.countDocuments(filter),
        ]);
        return toPage(records.map(productView), total, query.page, query.limit);
      },
    });
  }

  /** The product as JSON text, cached, with its live stock. */
  async get(id: string): Promise<JsonRead> {
    const { cache } = this.deps;
    return cache.readJson({
      cache: 'product',
      versionKey: versionKeys.product(id),
      dataKey: `products:item:${id}`,
      ttlSeconds: cache.ttls.product,
      ownProductId: id,
      productIdsOf: () => [id],
      load: async () => {
        const record = await this.deps.models.products
          .findById(id)
          .select(PRODUCT_PROJECTION)
          .lean<ProductRecord>();
        if (!record) throw HttpError.notFound('Product not found');
        return productView(record);
      },
    });
  }

  async create(input: ProductInput): Promise<ProductView> {
    const category = await this.resolveCategory(input.category);
    const created = await this.deps.models.products
      .create({
        name: input.name,
        description: input.description,
        priceCents: toCents(input.price),
        ...category,
        stock: input.stock,
        sku: input.sku,
        isActive: input.isActive,
      })
      .catch(duplicateSku);
    const view = productView(created.toObject() as ProductRecord);
    await this.deps.cache.productsChanged([view.id]);
    return view;
  }

  /** PUT: every field is replaced; an absent SKU removes the product's SKU. */
  async replace(id: string, input: ProductInput): Promise<ProductView> {
    const category = await this.resolveCategory(input.category);
    const set = {
      name: input.name,
      description: input.description,
      priceCents: toCents(input.price),
      ...category,
      stock: input.stock,
      isActive: input.isActive,
      ...(input.sku ? { sku: input.sku } : {}),
    };
    return this.update(id, { $set: set, ...(input.sku ? {} : { $unset: { sku: 1 } }) });
  }

  async patch(id: string, patch: ProductPatch): Promise<ProductView> {
    const { price, category, ...rest } = patch;
    const set: Record<string, unknown> = { ...rest };
    if (price !== undefined) set.priceCents = toCents(price);
    if (category !== undefined) Object.assign(set, await this.resolveCategory(category));
    return this.update(id, { $set: set });
  }

  async remove(id: string): Promise<void> {
    const { models, cache } = this.deps;
    const { deletedCount } = await models.products.deleteOne({ _id: id });
    if (deletedCount === 0) throw HttpError.notFound('Product not found');
    await cache.productsChanged([id]);
  }

  private async update(id: string, update: Record<string, unknown>): Promise<ProductView> {
    const { models, cache } = this.deps;
    // updateOne, then a read: FerretDB answers a unique violation in findAndModify without code 11000.
    const { matchedCount } = await models.products
      .updateOne({ _id: id }, update, { runValidators: true })
      .catch(duplicateSku);
    const record =
      matchedCount > 0
        ? await models.products.findById(id).select(PRODUCT_PROJECTION).lean<ProductRecord>()
        : null;
    if (!record) throw HttpError.notFound('Product not found');
    await cache.productsChanged([id]);
    return productView(record);
  }

  /** Products name an existing category; the stored name is the category's own spelling. */
  private async resolveCategory(name: string): Promise<{ category: string; categoryKey: string }> {
    const key = categoryKey(name);
    const found = await this.deps.models.categories.findOne({ nameKey: key }).select('name').lean();
    if (!found) {
      throw HttpError.unprocessable('Unknown category', [
        { path: 'category', message: `no category named "${name}"; create it first with POST /categories` },
      ]);
    }
    return { category: found.name, categoryKey: key };
  }
}
