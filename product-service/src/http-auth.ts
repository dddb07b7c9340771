import { type JwtSettings, requireAuth, requireRole } from '@ecom/service-kit';
import type { RequestHandler } from 'express';
import type { ProductConfig } from './config';

export function jwtSettings(config: ProductConfig): JwtSettings {
  return { secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE };
}

/** Catalog writes: a valid access token with the admin role. */
export function adminOnly(config: ProductConfig): RequestHandler[] {
  return [requireAuth(jwtSettings(config)), requireRole('admin')];
}
