import { publicJwks, type SigningKeySet } from '@ecom/service-kit';
import { Router } from 'express';

export const JWKS_PATH = '/.well-known/jwks.json';

/**
 * The public halves of user-service's keys (RFC 7517), what every other service verifies with.
 * Cacheable for a minute: verifiers refresh on their own schedule and on an unknown kid anyway.
 */
export function jwksRoutes(keys: SigningKeySet): Router {
  const body = publicJwks(keys);
  const router = Router();
  router.get(JWKS_PATH, (_req, res) => {
    res.set('cache-control', 'public, max-age=60').json(body);
  });
  return router;
}
