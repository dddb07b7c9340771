import type { RequestHandler } from 'express';

/** Answers that belong to one user (orders, profile, tokens): no cache anywhere may keep them. */
export const PRIVATE_NO_STORE = 'private, no-store';

/**
 * Public catalog data: any cache may keep it but must ask again before each use. Stock moves with
 * every order, so a fresh-for-N-seconds copy would show sold-out products as available; a
 * revalidation with the ETag costs the service one Redis round trip and answers 304 without a body.
 */
export const PUBLIC_REVALIDATE = 'public, max-age=0, must-revalidate';

/**
 * Fails closed: every answer is `private, no-store` unless its route says otherwise, so a new
 * route never leaks one user's data into a shared cache by omission.
 */
export const privateByDefault: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', PRIVATE_NO_STORE);
  next();
};
