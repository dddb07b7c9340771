import { jwtSettingsFrom, requireAuth, requireRole } from '@ecom/service-kit';
import type { RequestHandler } from 'express';
import type { ProductConfig } from './config';

/** Catalog writes: a valid access token with the admin role. */
export function adminOnly(config: ProductConfig): RequestHandler[] {
  return [requireAuth(jwtSettingsFrom(config)), requireRole('admin')];
}
