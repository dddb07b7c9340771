import { accessTokenVerifierFrom, type Logger, requireAuth, requireRole } from '@ecom/service-kit';
import type { RequestHandler } from 'express';
import type { ProductConfig } from './config';

/** Catalog writes: a valid access token (user-service's keys) with the admin role. Made once: it caches the keys. */
export function adminOnly(config: ProductConfig, logger?: Logger): RequestHandler[] {
  return [requireAuth(accessTokenVerifierFrom(config, logger)), requireRole('admin')];
}
