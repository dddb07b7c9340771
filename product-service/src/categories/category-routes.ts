import { idParamsSchema, parseInput } from '@ecom/service-kit';
import { type RequestHandler, Router } from 'express';
import { sendCatalogRead } from '../cache/catalog-etag';
import type { CategoryCatalog } from './category-catalog';
import { categoryInputSchema } from './category-schemas';

export function categoryRouter(catalog: CategoryCatalog, adminOnly: RequestHandler[]): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    sendCatalogRead(req, res, 'categories', await catalog.list());
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(idParamsSchema, req.params, 'params');
    sendCatalogRead(req, res, 'category', await catalog.get(id));
  });

  router.post('/', ...adminOnly, async (req, res) => {
    const category = await catalog.create(parseInput(categoryInputSchema, req.body, 'body'));
    res.status(201).location(`${req.baseUrl}/${category.id}`).json(category);
  });

  router.put('/:id', ...adminOnly, async (req, res) => {
    const { id } = parseInput(idParamsSchema, req.params, 'params');
    res.json(await catalog.replace(id, parseInput(categoryInputSchema, req.body, 'body')));
  });

  router.delete('/:id', ...adminOnly, async (req, res) => {
    const { id } = parseInput(idParamsSchema, req.params, 'params');
    await catalog.remove(id);
    res.status(204).end();
  });

  return router;
}
