import {
  idParamsSchema,
  json,
  pageSchema,
  routeGroup,
  type RouteDoc,
  type RouteSpec,
} from '@ecom/service-kit';
import { z } from 'zod';
import { categoryInputSchema, categoryResponse } from './categories/category-schemas';
import {
  productInputSchema,
  productListQuerySchema,
  productPatchSchema,
  productResponse,
} from './products/product-schemas';

const products = routeGroup({ tags: ['Products'] });
const categories = routeGroup({ tags: ['Categories'] });
const cacheHeader = 'X-Cache: HIT when served from Redis, MISS otherwise';
const adminErrors = {
  400: 'Invalid input (details per field)',
  401: 'Missing or invalid token',
  403: 'Not an admin',
};
const skuTaken = 'SKU already used';
const nameTaken = 'Name already used (case-insensitive)';
/** PUT and PATCH differ only in how much of the product the body must hold. */
const productUpdate = (body: z.ZodType): RouteSpec => ({
  auth: 'admin',
  params: idParamsSchema,
  body,
  responses: {
    200: json('The product', productResponse),
    ...adminErrors,
    404: 'No such product',
    409: skuTaken,
    422: 'Unknown category',
  },
});
/** GET of one product or category: served from the cache when it can be. */
const cachedById = (what: string, schema: z.ZodType): RouteSpec => ({
  params: idParamsSchema,
  responses: {
    200: json(`The ${what}. ${cacheHeader}`, schema),
    400: 'Not an ObjectId',
    404: `No such ${what}`,
  },
});

/** Public routes only: /inventory is internal and the gateway never exposes it. */
export const productRoutesDoc: RouteDoc[] = [
  products('get', '/products', 'List active products: filters, case-insensitive search, sort, pagination', {
    query: productListQuerySchema,
    emptyQueryIsAbsent: true,
    responses: {
      200: json(`A page of products. ${cacheHeader}`, pageSchema(productResponse)),
      400: 'Invalid query',
    },
  }),
  products(
    'get',
    '/products/:id',
    'One product (also inactive ones)',
    cachedById('product', productResponse),
  ),
  products('post', '/products', 'Create a product in an existing category', {
    auth: 'admin',
    body: productInputSchema,
    responses: {
      201: json('Created; Location names it', productResponse),
      ...adminErrors,
      409: skuTaken,
      422: 'Unknown category',
    },
  }),
  products('put', '/products/:id', 'Replace every field of a product', productUpdate(productInputSchema)),
  products('patch', '/products/:id', 'Change some fields of a product', productUpdate(productPatchSchema)),
  products('delete', '/products/:id', 'Delete a product', {
    auth: 'admin',
    params: idParamsSchema,
    responses: { 204: 'Deleted', ...adminErrors, 404: 'No such product' },
  }),
  categories('get', '/categories', 'All categories, by name', {
    responses: {
      200: json(`The categories. ${cacheHeader}`, z.object({ items: z.array(categoryResponse) })),
    },
  }),
  categories('get', '/categories/:id', 'One category', cachedById('category', categoryResponse)),
  categories('post', '/categories', 'Create a category', {
    auth: 'admin',
    body: categoryInputSchema,
    responses: { 201: json('Created', categoryResponse), ...adminErrors, 409: nameTaken },
  }),
  categories('put', '/categories/:id', 'Rename or describe a category; a rename is applied to its products', {
    auth: 'admin',
    params: idParamsSchema,
    body: categoryInputSchema,
    responses: {
      200: json('The category', categoryResponse),
      ...adminErrors,
      404: 'No such category',
      409: nameTaken,
    },
  }),
  categories('delete', '/categories/:id', 'Delete a category that has no products', {
    auth: 'admin',
    params: idParamsSchema,
    responses: {
      204: 'Deleted',
      ...adminErrors,
      404: 'No such category',
      409: 'The category still has products',
    },
  }),
];
