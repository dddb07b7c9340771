import { accessTokenVerifierFrom, type Logger, requireAuth, requireRole } from '@ecom/service-kit';
import type { RequestHandler } from 'express';

/** Catalog writes: a valid access token (user-service's keys) with the admin role. Made once: it caches the keys. */
export function adminOnly(
  config: Parameters<typeof accessTokenVerifierFrom>[0],
  logger?: Logger,
): RequestHandler[] {
  return [requireAuth(accessTokenVerifierFrom(config, logger)), requireRole('admin')];
}
