import { bearerToken, HttpError, type JwtSettings, verifyAccessToken } from '@ecom/service-kit';
import type { RequestHandler } from 'express';
import { type GatewayRoute, pathBelowMount } from '../proxy/routes';

/**
 * Checks the access token before anything is sent upstream, so bad, expired or forged tokens cost
 * the services nothing. The Authorization header itself is forwarded unchanged: every service
 * verifies it again and reads the user from it.
 */
export function enforceAccess(route: GatewayRoute, jwt: JwtSettings): RequestHandler {
  return (req, _res, next) => {
    const access = route.access(req.method, pathBelowMount(route, req.path));
    if (access === 'public') {
      next();
      return;
    }
    const token = bearerToken(req);
    if (!token) throw HttpError.unauthorized();
    const user = verifyAccessToken(token, jwt);
    if (access === 'admin' && user.role !== 'admin') throw HttpError.forbidden('Admin role required');
    req.user = user;
    next();
  };
}
