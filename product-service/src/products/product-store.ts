import {
  ensureIndexes,
  inBatches,
  isDuplicateKey,
  onlyDuplicates,
  retryWriteConflicts,
  toCents,
} from '@ecom/service-kit';
import { type Connection, Types } from 'mongoose';
import { categoryKey } from '../categories/category-key';
import { DuplicateSku } from './product-errors';
import { productModel } from './product-model';
import { productListFilter, productListSort } from './product-query';
import type { ProductListQuery } from './product-schemas';
import type { ProductRecord } from './product-view';

/** What every product read selects (internal fields such as holds are never read here). */
const PRODUCT_PROJECTION = 'name description priceCents category stock sku isActive createdAt updatedAt';

/** A product as the use cases hand it over: the price in currency units, the category's stored name. */
export interface NewProduct {
  name: string;
  description: string;
  price: number;
  category: string;
  stock: number;
  sku?: string;
  isActive: boolean;
}

/** The products' storage: every read and write of the catalog's product documents goes through here. */
export interface ProductStore {
  /** A page of the list query, and how many match in all. */
  page(query: ProductListQuery): Promise<{ records: ProductRecord[]; total: number }>;
  byId(id: string): Promise<ProductRecord | null>;
  /** Throws DuplicateSku when another product has the SKU. */
  create(product: NewProduct): Promise<ProductRecord>;
  /** Every field replaced; an absent SKU removes the product's SKU. Null: no such product. */
  replace(id: string, product: NewProduct): Promise<ProductRecord | null>;
  /** The given fields only. Null: no such product. */
  patch(id: string, changes: Partial<NewProduct>): Promise<ProductRecord | null>;
  /** False when there was no such product. */
  remove(id: string): Promise<boolean>;
  countInCategory(key: string): Promise<number>;
  /** Moves the products of the category `oldKey` to the category `name`; returns their ids. */
  moveToCategory(oldKey: string, name: string): Promise<string[]>;
  /** Those of these SKUs that a product has. */
  skusTaken(skus: string[]): Promise<Set<string>>;
  count(): Promise<number>;
  /**
   * Inserts in batches (insertMany, ordered: false) and returns the new products' ids in the order
   * given. `skipDuplicates`: a product whose SKU exists already is left out instead of failing.
   */
  insertMany(products: NewProduct[], options?: { skipDuplicates?: boolean }): Promise<string[]>;
}

/** The stored fields of a product and the ones derived from them, whichever path writes it. */
function productFields(product: Partial<NewProduct>): Record<string, unknown> {
  const { price, category, ...rest } = product;
  const fields: Record<string, unknown> = { ...rest };
  if (price !== undefined) fields.priceCents = toCents(price);
  if (category !== undefined) Object.assign(fields, { category, categoryKey: categoryKey(category) });
  return fields;
}

function duplicateSku(error: unknown): never {
  if (isDuplicateKey(error)) throw new DuplicateSku(error);
  throw error;
}

/** Compiles the model on the connection and waits until its indexes (the unique SKU among them) exist. */
export async function createProductStore(connection: Connection): Promise<ProductStore> {
  const products = productModel(connection);
  await ensureIndexes([products]);
  const byId = (id: string) => products.findById(id).select(PRODUCT_PROJECTION).lean<ProductRecord>().exec();

  async function update(id: string, update: Record<string, unknown>): Promise<ProductRecord | null> {
    // updateOne, then a read: FerretDB answers a unique violation in findAndModify without code 11000.
    const { matchedCount } = await products
      .updateOne({ _id: id }, update, { runValidators: true })
      .catch(duplicateSku);
    return matchedCount > 0 ? byId(id) : null;
  }

  return {
    async page(query) {
      const filter = productListFilter(query);
      const [records, total] = await Promise.all([
        products
          .find(filter)
          .select(PRODUCT_PROJECTION)
          .sort(productListSort(query.sort))
          .skip((query.page - 1) * query.limit)
          .limit(query.limit)
          .lean<ProductRecord[]>(),
        products.countDocuments(filter),
      ]);
      return { records, total };
    },
    byId,
    async create(product) {
      const created = await retryWriteConflicts(() => products.create(productFields(product))).catch(
        duplicateSku,
      );
      return created.toObject() as ProductRecord;
    },
    replace: (id, product) => {
      const { sku, ...rest } = product;
      const set = { ...productFields(rest), ...(sku ? { sku } : {}) };
      return update(id, { $set: set, ...(sku ? {} : { $unset: { sku: 1 } }) });
    },
    patch: (id, changes) => update(id, { $set: productFields(changes) }),
    async remove(id) {
      const { deletedCount } = await products.deleteOne({ _id: id });
      return deletedCount > 0;
    },
    countInCategory: (key) => products.countDocuments({ categoryKey: key }),
    async moveToCategory(oldKey, name) {
      const ids = (await products.find({ categoryKey: oldKey }).select('_id').lean()).map((p) =>
        p._id.toString(),
      );
      if (ids.length === 0) return [];
      await products.updateMany(
        { _id: { $in: ids }, categoryKey: oldKey },
        { $set: { category: name, categoryKey: categoryKey(name) } },
      );
      return ids;
    },
    async skusTaken(skus) {
      const found = await products
        .find({ sku: { $in: skus } })
        .select('sku')
        .lean();
      return new Set(found.flatMap((product) => (product.sku ? [product.sku] : [])));
    },
    count: () => products.countDocuments(),
    async insertMany(newProducts, options = {}) {
      // Ids made here, so they are known in the order given whatever the server inserts first.
      const documents = newProducts.map((product) => ({
        _id: new Types.ObjectId(),
        ...productFields(product),
      }));
      await inBatches(documents, (batch) =>
        products.insertMany(batch, { ordered: false }).catch((error: unknown) => {
          if (!options.skipDuplicates || !onlyDuplicates(error)) throw error;
        }),
      );
      return documents.map((document) => document._id.toHexString());
    },
  };
}
