import {
  ensureIndexes,
  inBatches,
  isDuplicateKey,
  onlyDuplicates,
  retryWriteConflicts,
} from '@ecom/service-kit';
import type { Connection, Types } from 'mongoose';
import { DuplicateCategoryName } from './category-errors';
import { categoryKey } from './category-key';
import { categoryModel } from './category-model';

/** What a lean category read returns. */
export interface CategoryRecord {
  _id: Types.ObjectId;
  name: string;
  description?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewCategory {
  name: string;
  description?: string;
}

/** The categories' storage: every read and write of the collection goes through here. */
export interface CategoryStore {
  /** Every category, by name (case-insensitively). */
  all(): Promise<CategoryRecord[]>;
  byId(id: string): Promise<CategoryRecord | null>;
  /** The stored spelling of the category with this name (any case), or null. */
  storedName(name: string): Promise<string | null>;
  /** Category key → stored spelling, for the keys that name a category. */
  namesByKey(keys: string[]): Promise<Map<string, string>>;
  /** Throws DuplicateCategoryName when the name is taken (in any case). */
  create(category: NewCategory): Promise<CategoryRecord>;
  /** Replaces name and description; null when there is no such category. DuplicateCategoryName too. */
  replace(id: string, category: NewCategory): Promise<CategoryRecord | null>;
  remove(id: string): Promise<void>;
  isEmpty(): Promise<boolean>;
  count(): Promise<number>;
  /**
   * Inserts these in batches; a name that exists already (another replica or run got there first)
   * is skipped. Returns how many this call inserted.
   */
  insertNew(categories: NewCategory[]): Promise<number>;
}

function duplicateName(error: unknown): never {
  if (isDuplicateKey(error)) throw new DuplicateCategoryName(error);
  throw error;
}

/** The derived fields every stored category has, whichever path created it. */
function categoryDocument(category: NewCategory) {
  return { name: category.name, nameKey: categoryKey(category.name), description: category.description };
}

/** Compiles the model on the connection and waits until its indexes (the unique name key) exist. */
export async function createCategoryStore(connection: Connection): Promise<CategoryStore> {
  const categories = categoryModel(connection);
  await ensureIndexes([categories]);
  const byId = (id: string) => categories.findById(id).lean<CategoryRecord>().exec();

  return {
    all: () => categories.find().sort({ nameKey: 1 }).lean<CategoryRecord[]>().exec(),
    byId,
    async storedName(name) {
      const found = await categories
        .findOne({ nameKey: categoryKey(name) })
        .select('name')
        .lean();
      return found?.name ?? null;
    },
    async namesByKey(keys) {
      const found = await categories
        .find({ nameKey: { $in: keys } })
        .select('name nameKey')
        .lean();
      return new Map(found.map((category) => [category.nameKey, category.name]));
    },
    async create(category) {
      const created = await retryWriteConflicts(() => categories.create(categoryDocument(category))).catch(
        duplicateName,
      );
      return created.toObject() as CategoryRecord;
    },
    async replace(id, category) {
      // updateOne, not findOneAndUpdate: FerretDB reports a unique violation there without code 11000.
      await categories.updateOne({ _id: id }, { $set: categoryDocument(category) }).catch(duplicateName);
      return byId(id);
    },
    async remove(id) {
      await categories.deleteOne({ _id: id });
    },
    isEmpty: async () => (await categories.countDocuments({}, { limit: 1 })) === 0,
    count: () => categories.countDocuments(),
    async insertNew(newCategories) {
      let inserted = 0;
      await inBatches(newCategories.map(categoryDocument), async (batch) => {
        try {
          inserted += (await categories.insertMany(batch, { ordered: false })).length;
        } catch (error) {
          if (!onlyDuplicates(error)) throw error;
          inserted += (error as { insertedDocs?: unknown[] }).insertedDocs?.length ?? 0;
        }
      });
      return inserted;
    },
  };
}
