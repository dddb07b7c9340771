import { idParamsSchema, parseInput } from '@ecom/service-kit';
import { type RequestHandler, Router } from 'express';
import { sendCatalogRead } from '../cache/catalog-etag';
import type { ProductCatalog } from './product-catalog';
import { productInputSchema, productListQuerySchema, productPatchSchema } from './product-schemas';

/** `?q=&category=` from a search form: empty parameters mean "not given". */
function withoutEmpty(query: unknown): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(query as Record<string, unknown>).filter(([, value]) => value !== ''),
  );
}

export function productRouter(catalog: ProductCatalog, adminOnly: RequestHandler[]): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const query = parseInput(productListQuerySchema, withoutEmpty(req.query), 'query');
    sendCatalogRead(req, res, 'products', await catalog.list(query));
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(idParamsSchema, req.params, 'params');
    sendCatalogRead(req, res, 'product', await catalog.get(id));
  });

  router.post('/', ...adminOnly, async (req, res) => {
    const product = await catalog.create(parseInput(productInputSchema, req.body, 'body'));
    res.status(201).location(`${req.baseUrl}/${product.id}`).json(product);
  });

  router.put('/:id', ...adminOnly, async (req, res) => {
    const { id } = parseInput(idParamsSchema, req.params, 'params');
    res.json(await catalog.replace(id, parseInput(productInputSchema, req.body, 'body')));
  });

  router.patch('/:id', ...adminOnly, async (req, res) => {
    const { id } = parseInput(idParamsSchema, req.params, 'params');
    res.json(await catalog.patch(id, parseInput(productPatchSchema, req.body, 'body')));
  });

  router.delete('/:id', ...adminOnly, async (req, res) => {
    const { id } = parseInput(idParamsSchema, req.params, 'params');
    await catalog.remove(id);
    res.status(204).end();
  });

  return router;
}
