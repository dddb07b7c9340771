import { HttpError, isDuplicateKey } from '@ecom/service-kit';
import type { Types } from 'mongoose';
import { type CatalogCache, type JsonRead, versionKeys } from '../cache/catalog-cache';
import type { Models } from '../models';
import { categoryKey } from './category-model';
import type { CategoryInput, CategoryView } from './category-schemas';

interface CategoryRecord {
  _id: Types.ObjectId;
  name: string;
  description?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

function categoryView(record: CategoryRecord): CategoryView {
  return {
    id: record._id.toString(),
    name: record.name,
    description: record.description ?? '',
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

function duplicateName(error: unknown): never {
  if (isDuplicateKey(error)) throw HttpError.conflict('A category with this name already exists');
  throw error;
}

export interface CategoryCatalogDeps {
  models: Models;
  cache: CatalogCache;
}

export class CategoryCatalog {
  constructor(private readonly deps: CategoryCatalogDeps) {}

  /** `{ items: [...] }` as JSON text, cached. */
  list(): Promise<JsonRead> {
    const { cache, models } = this.deps;
    return cache.readJson({
      cache: 'category_list',
      versionKey: versionKeys.categories,
      dataKey: 'categories:list',
      ttlSeconds: cache.ttls.category,
      productIdsOf: () => [],
      load: async () => {
        const records = await models.categories.find().sort({ nameKey: 1 }).lean<CategoryRecord[]>();
        return { items: records.map(categoryView) };
      },
    });
  }

  get(id: string): Promise<JsonRead> {
    const { cache, models } = this.deps;
    return cache.readJson({
      cache: 'category',
      versionKey: versionKeys.categories,
      dataKey: `categories:item:${id}`,
      ttlSeconds: cache.ttls.category,
      productIdsOf: () => [],
      load: async () => {
        const record = await models.categories.findById(id).lean<CategoryRecord>();
        if (!record) throw HttpError.notFound('Category not found');
        return categoryView(record);
      },
    });
  }

  async create(input: CategoryInput): Promise<CategoryView> {
    const created = await this.deps.models.categories
      .create({ name: input.name, nameKey: categoryKey(input.name), description: input.description })
      .catch(duplicateName);
    await this.deps.cache.categoriesChanged();
    return categoryView(created.toObject() as CategoryRecord);
  }

  /** PUT replaces name and description; a rename is carried to the products of the category. */
  async replace(id: string, input: CategoryInput): Promise<CategoryView> {
    const { models, cache } = this.deps;
    const before = await models.categories.findById(id).lean<CategoryRecord>();
    if (!before) throw HttpError.notFound('Category not found');
    // updateOne, not findOneAndUpdate: FerretDB reports a unique violation there without code 11000.
    await models.categories
      .updateOne(
        { _id: id },
        { $set: { name: input.name, nameKey: categoryKey(input.name), description: input.description } },
      )
      .catch(duplicateName);
    const record = await models.categories.findById(id).lean<CategoryRecord>();
    if (!record) throw HttpError.notFound('Category not found');
    if (before.name !== record.name) await this.renameInProducts(categoryKey(before.name), record.name);
    await cache.categoriesChanged();
    return categoryView(record);
  }

  async remove(id: string): Promise<void> {
    const { models, cache } = this.deps;
    const record = await models.categories.findById(id).lean<CategoryRecord>();
    if (!record) throw HttpError.notFound('Category not found');
    const products = await models.products.countDocuments({ categoryKey: categoryKey(record.name) });
    if (products > 0) {
      throw HttpError.conflict('Category still has products; move or delete them first', { products });
    }
    await models.categories.deleteOne({ _id: id });
    await cache.categoriesChanged();
  }

  private async renameInProducts(oldKey: string, name: string): Promise<void> {
    const { models, cache } = this.deps;
    const ids = (await models.products.find({ categoryKey: oldKey }).select('_id').lean()).map((p) =>
      p._id.toString(),
    );
    if (ids.length === 0) return;
    // By the ids read, so the cache hears of exactly the products that changed.
    await models.products.updateMany(
      { _id: { $in: ids }, categoryKey: oldKey },
      { $set: { category: name, categoryKey: categoryKey(name) } },
    );
    await cache.productsChanged(ids);
  }
}
