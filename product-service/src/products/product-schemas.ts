import { nonBlankText, paginationShape, queryNumber } from '@ecom/service-kit';
import { z } from 'zod';
import { MAX_PRICE, priceSchema } from './price-schema';

const name = nonBlankText(200);
const description = z.string().trim().max(5_000);
const category = nonBlankText(100).describe('Category name (case-insensitive); must exist');
const stock = z.number().int().min(0).max(1_000_000_000);
const sku = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"');

/** POST /products, and PUT /products/:id (which replaces every field, so the same shape). */
export const productInputSchema = z.strictObject({
  name,
  description: description.default(''),
  price: priceSchema.describe('Decimal amount with at most 2 decimals, e.g. 29.99'),
  category,
  stock,
  sku: sku.optional(),
  isActive: z.boolean().default(true),
});

/** PATCH /products/:id: any subset of the fields, at least one. */
export const productPatchSchema = z
  .strictObject({
    name: name.optional(),
    description: description.optional(),
    price: priceSchema.optional(),
    category: category.optional(),
    stock: stock.optional(),
    sku: sku.optional(),
    isActive: z.boolean().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'at least one field is required')
  .meta({ minProperties: 1 });

export const PRODUCT_SORTS = ['price', '-price', 'createdAt', '-createdAt', 'name', '-name'] as const;

// Bounds are compared in cents, so they are whole cents like any price (and the document says so).
const queryPrice = z.number().min(0).max(MAX_PRICE).multipleOf(0.01);

/**
 * GET /products. Empty parameters (`?q=`) count as absent. A price range whose minimum is above
 * its maximum is simply empty: 200 with no items (a document cannot state a rule between two
 * parameters, so the API does not make one).
 */
export const productListQuerySchema = z.strictObject({
  ...paginationShape,
  category: nonBlankText(100).optional(),
  minPrice: queryNumber(queryPrice.optional()),
  maxPrice: queryNumber(queryPrice.optional()),
  inStock: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
  q: nonBlankText(100).optional().describe('Case-insensitive text in name or description'),
  sort: z.enum(PRODUCT_SORTS).default('-createdAt'),
});

/** What every product endpoint answers; ProductView is derived from it. */
export const productResponse = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  price: z.number(),
  category: z.string(),
  stock: z.number().int(),
  sku: z.string().optional(),
  isActive: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type ProductView = z.output<typeof productResponse>;
export type ProductInput = z.output<typeof productInputSchema>;
export type ProductPatch = z.output<typeof productPatchSchema>;
export type ProductListQuery = z.output<typeof productListQuerySchema>;
