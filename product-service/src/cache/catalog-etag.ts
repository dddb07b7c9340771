import { createHash } from 'node:crypto';
import { PUBLIC_REVALIDATE } from '@ecom/service-kit';
import type { Request, Response } from 'express';
import type { JsonRead } from './catalog-cache';

/**
 * A weak ETag from what the answer shows: the cache entry's version and the answer's fingerprint
 * (the stored body's, computed once when it was built, plus the live stock laid over it). The body
 * itself is never hashed per request. The version alone is not enough: version keys start again at
 * 0 when Redis loses them, and item versions expire after a day.
 */
export function catalogEtag(kind: string, read: JsonRead): string {
  const tag = read.version ?? 'db';
  const hash = createHash('sha1').update(`${kind}|${tag}|${read.fingerprint}`);
  return `W/"${kind}-${tag}-${hash.digest('base64url').slice(0, 22)}"`;
}

/**
 * Sends a catalog read as the JSON text it already is, with its ETag and public,
 * revalidate-every-time caching; a matching If-None-Match gets 304 without the body.
 */
export function sendCatalogRead(req: Request, res: Response, kind: string, read: JsonRead): void {
  res.set({
    'X-Cache': read.hit ? 'HIT' : 'MISS',
    'Cache-Control': PUBLIC_REVALIDATE,
    ETag: catalogEtag(kind, read),
  });
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  res.type('json').send(read.json);
}
