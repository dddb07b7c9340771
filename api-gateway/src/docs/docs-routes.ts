import { compressAnswers } from '@ecom/service-kit';
import express, { type Express } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { OpenApiProvider } from './openapi-provider';

export const OPENAPI_PATH = '/api/openapi.json';
export const DOCS_PATH = '/api/docs';

export function mountDocs(app: Express, provider: OpenApiProvider): void {
  const compress = compressAnswers();
  app.get(OPENAPI_PATH, compress, async (_req, res) => {
    res.json(await provider.document());
  });

  const uiOptions = { swaggerUrl: OPENAPI_PATH, customSiteTitle: 'E-commerce API' };
  const docs = express.Router();
  // Only GET and HEAD are documented here: anything else falls through to the 405 answer.
  docs.use((req, _res, next) => next(req.method === 'GET' || req.method === 'HEAD' ? undefined : 'router'));
  docs.use(compress);
  // Swagger UI loads its assets relative to the page, so the page URL must end with a slash.
  docs.use((req, res, next) => {
    const [path = '', query] = req.originalUrl.split('?');
    if (path.toLowerCase() === DOCS_PATH) res.redirect(301, `${path}/${query ? `?${query}` : ''}`);
    else next();
  });
  docs.get('/{*asset}', swaggerUi.serveFiles(undefined, uiOptions), swaggerUi.setup(undefined, uiOptions));
  app.use(DOCS_PATH, docs);
}
