import { type AccessTokenVerifier, bearerToken, HttpError } from '@ecom/service-kit';
import type { RequestHandler } from 'express';
import { type GatewayRoute, pathBelowMount } from '../proxy/routes';

/**
 * Checks the access token before anything is sent upstream, so bad, expired or forged tokens cost
 * the services nothing. The Authorization header itself is forwarded unchanged: every service
 * verifies it again and reads the user from it.
 */
export function enforceAccess(route: GatewayRoute, verifier: AccessTokenVerifier): RequestHandler {
  return async (req, _res, next) => {
    const access = route.access(req.method, pathBelowMount(route, req.path));
    if (access === 'public') {
      next();
      return;
    }
    const token = bearerToken(req);
    if (!token) throw HttpError.unauthorized();
    const user = await verifier.verify(token);
    if (access === 'admin' && user.role !== 'admin') throw HttpError.forbidden('Admin role required');
    req.user = user;
    next();
  };
}
