import crypto from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError } from './errors';

export const ROLES = ['customer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface AuthUser {
  id: string;
  email: string;
  role: Role;
}

export interface AccessTokenVerifier {
  /** Resolves to the token's user, or rejects with a 401 HttpError. */
  verify(token: string): Promise<AuthUser>;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      user?: AuthUser;
    }
  }
}

/**
 * `Bearer <token>` and nothing else (RFC 6750's b64token): a header with more after the token is
 * refused rather than read up to its first space.
 */
const BEARER = /^bearer +([\w\-.~+/]+=*)$/i;

export function bearerToken(req: Request): string | undefined {
  return BEARER.exec(req.headers.authorization ?? '')?.[1];
}

export function requireAuth(verifier: AccessTokenVerifier): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    if (!token) throw HttpError.unauthorized();
    req.user = await verifier.verify(token);
    next();
  };
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.user) throw HttpError.unauthorized();
    if (!roles.includes(req.user.role)) throw HttpError.forbidden();
    next();
  };
}

/** The authenticated user of a request that passed requireAuth. */
export function currentUser(req: Request): AuthUser {
  if (!req.user) throw HttpError.unauthorized();
  return req.user;
}

/** Service-to-service calls carry a shared secret; compared in constant time. */
export function requireInternalToken(expected: string): RequestHandler {
  const expectedBuffer = Buffer.from(expected);
  return (req: Request, _res: Response, next: NextFunction) => {
    const given = Buffer.from(String(req.headers['x-internal-token'] ?? ''));
    const matches = given.length === expectedBuffer.length && crypto.timingSafeEqual(given, expectedBuffer);
    if (!matches) throw HttpError.unauthorized('Internal endpoint: service credential required');
    next();
  };
}
