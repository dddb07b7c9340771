import type { Connection } from 'mongoose';
import { z } from 'zod';
import { categoryKey } from '../categories/category-key';
import { categoryInputSchema } from '../categories/category-schemas';
import { createCategoryStore } from '../categories/category-store';
import { UnknownCategory } from '../products/product-errors';
import { productInputSchema } from '../products/product-schemas';
import { createProductStore } from '../products/product-store';

export interface CatalogImport {
  categories: Array<{ name: string; description?: string }>;
  products: Array<{
    name: string;
    description?: string;
    /** In currency units, at most 2 decimals (29.99), as POST /products takes it. */
    price: number;
    /** A category's name (any case): one of `categories`, or one the catalog has already. */
    category: string;
    stock: number;
    sku?: string;
    isActive?: boolean;
  }>;
}

/**
 * The load tool's bulk import of a catalog (writing tens of thousands of products through the API
 * would take hours). Each entry is validated by the API's own schemas and stored by the stores, so
 * the documents are those POST /categories and POST /products make (defaults, nameKey,
 * categoryKey, priceCents, the category's stored spelling), inserted in batches of ~1,000 with
 * insertMany (ordered: false). A category whose name exists already is kept as it is; a product
 * naming no category is refused (UnknownCategory) before anything of the products is written; a
 * taken SKU fails the import (the other products of its batch are stored). Running services'
 * caches are not told: their cached lists expire by TTL, so import before the run.
 * Returns the new products' ids, in the order given.
 */
export async function importCatalog(
  connection: Connection,
  input: CatalogImport,
): Promise<{ productIds: string[] }> {
  const newCategories = z.array(categoryInputSchema).parse(input.categories);
  const newProducts = z.array(productInputSchema).parse(input.products);
  const [categories, products] = await Promise.all([
    createCategoryStore(connection),
    createProductStore(connection),
  ]);
  await categories.insertNew(newCategories);
  const names = await categories.namesByKey([
    ...new Set(newProducts.map((product) => categoryKey(product.category))),
  ]);
  const unknown = newProducts.find((product) => !names.has(categoryKey(product.category)));
  if (unknown) throw new UnknownCategory(unknown.category);
  const productIds = await products.insertMany(
    newProducts.map((product) => ({ ...product, category: names.get(categoryKey(product.category))! })),
  );
  return { productIds };
}
