import { idParamsSchema, type RouteDoc } from '@ecom/service-kit';
import { z } from 'zod';
import { categoryInputSchema, categoryResponse } from './categories/category-schemas';
import {
  productInputSchema,
  productListQuerySchema,
  productPatchSchema,
  productResponse,
} from './products/product-schemas';

const cacheHeader = 'X-Cache: HIT when served from Redis, MISS otherwise';
const adminErrors = {
  400: { description: 'Invalid input (details per field)' },
  401: { description: 'Missing or invalid token' },
  403: { description: 'Not an admin' },
};

/** Public routes only: /inventory is internal and the gateway never exposes it. */
export const productRoutesDoc: RouteDoc[] = [
  {
    method: 'get',
    path: '/products',
    summary: 'List active products: filters, case-insensitive search, sort, pagination',
    tags: ['Products'],
    query: productListQuerySchema,
    emptyQueryIsAbsent: true,
    responses: {
      200: {
        description: `A page of products. ${cacheHeader}`,
        schema: z.object({
          items: z.array(productResponse),
          page: z.number(),
          limit: z.number(),
          total: z.number(),
          pages: z.number(),
        }),
      },
      400: { description: 'Invalid query' },
    },
  },
  {
    method: 'get',
    path: '/products/:id',
    summary: 'One product (also inactive ones)',
    tags: ['Products'],
    params: idParamsSchema,
    responses: {
      200: { description: `The product. ${cacheHeader}`, schema: productResponse },
      400: { description: 'Not an ObjectId' },
      404: { description: 'No such product' },
    },
  },
  {
    method: 'post',
    path: '/products',
    summary: 'Create a product in an existing category',
    tags: ['Products'],
    auth: 'admin',
    body: productInputSchema,
    responses: {
      201: { description: 'Created; Location names it', schema: productResponse },
      ...adminErrors,
      409: { description: 'SKU already used' },
      422: { description: 'Unknown category' },
    },
  },
  ...(['put', 'patch'] as const).map((method): RouteDoc => ({
    method,
    path: '/products/:id',
    summary: method === 'put' ? 'Replace every field of a product' : 'Change some fields of a product',
    tags: ['Products'],
    auth: 'admin',
    params: idParamsSchema,
    body: method === 'put' ? productInputSchema : productPatchSchema,
    responses: {
      200: { description: 'The product', schema: productResponse },
      ...adminErrors,
      404: { description: 'No such product' },
      409: { description: 'SKU already used' },
      422: { description: 'Unknown category' },
    },
  })),
  {
    method: 'delete',
    path: '/products/:id',
    summary: 'Delete a product',
    tags: ['Products'],
    auth: 'admin',
    params: idParamsSchema,
    responses: { 204: { description: 'Deleted' }, ...adminErrors, 404: { description: 'No such product' } },
  },
  {
    method: 'get',
    path: '/categories',
    summary: 'All categories, by name',
    tags: ['Categories'],
    responses: {
      200: {
        description: `The categories. ${cacheHeader}`,
        schema: z.object({ items: z.array(categoryResponse) }),
      },
    },
  },
  {
    method: 'get',
    path: '/categories/:id',
    summary: 'One category',
    tags: ['Categories'],
    params: idParamsSchema,
    responses: {
      200: { description: `The category. ${cacheHeader}`, schema: categoryResponse },
      400: { description: 'Not an ObjectId' },
      404: { description: 'No such category' },
    },
  },
  {
    method: 'post',
    path: '/categories',
    summary: 'Create a category',
    tags: ['Categories'],
    auth: 'admin',
    body: categoryInputSchema,
    responses: {
      201: { description: 'Created', schema: categoryResponse },
      ...adminErrors,
      409: { description: 'Name already used (case-insensitive)' },
    },
  },
  {
    method: 'put',
    path: '/categories/:id',
    summary: 'Rename or describe a category; a rename is applied to its products',
    tags: ['Categories'],
    auth: 'admin',
    params: idParamsSchema,
    body: categoryInputSchema,
    responses: {
      200: { description: 'The category', schema: categoryResponse },
      ...adminErrors,
      404: { description: 'No such category' },
      409: { description: 'Name already used (case-insensitive)' },
    },
  },
  {
    method: 'delete',
    path: '/categories/:id',
    summary: 'Delete a category that has no products',
    tags: ['Categories'],
    auth: 'admin',
    params: idParamsSchema,
    responses: {
      204: { description: 'Deleted' },
      ...adminErrors,
      404: { description: 'No such category' },
      409: { description: 'The category still has products' },
    },
  },
];
