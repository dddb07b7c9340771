import { idParamsSchema, parseInput } from '@ecom/service-kit';
import { type RequestHandler, Router } from 'express';
import { catalogEtag, sendCatalogRead } from '../cache/catalog-etag';
import type { CategoryCatalog } from './category-catalog';
import { categoryInputSchema } from './category-schemas';

export function categoryRouter(catalog: CategoryCatalog, adminOnly: RequestHandler[]): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const read = await catalog.list();
    const etag = catalogEtag('categories', read.version, read.value, read.value.length);
    sendCatalogRead(req, res, read, etag, { items: read.value });
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(idParamsSchema, req.params, 'params');
    const read = await catalog.get(id);
    sendCatalogRead(req, res, read, catalogEtag('category', read.version, [read.value]), read.value);
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
