import { HttpError } from '@ecom/service-kit';
import type { RequestHandler } from 'express';

// Dot segments and encoded separators could make an upstream resolve a different path than the
// one the gateway routed and authorised (e.g. /api/products/..%2finventory).
const UNSAFE_PATH = /(^|\/)\.{1,2}(\/|$)|%2e|%2f|%5c|\\/i;

export const rejectUnsafePaths: RequestHandler = (req, _res, next) => {
  if (UNSAFE_PATH.test(req.path)) throw HttpError.badRequest('Invalid request path');
  next();
};

/**
 * Refuses bodies whose declared size is over the limit without reading them, so proxied bodies
 * still stream through untouched. Chunked bodies without a length reach the upstream, whose own
 * body parser enforces the same limit.
 */
export function limitDeclaredBodySize(maxBytes: number): RequestHandler {
  return (req, _res, next) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      throw new HttpError(413, 'Request body too large', { details: { limitBytes: maxBytes } });
    }
    next();
  };
}
