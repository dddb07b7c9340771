import { createHash } from 'node:crypto';
import { PUBLIC_REVALIDATE } from '@ecom/service-kit';
import type { Request, Response } from 'express';
import type { CacheRead } from './catalog-cache';

/** The part of a catalog answer that changes when what it shows changes. */
export interface Fingerprinted {
  id: string;
  updatedAt: string;
  stock?: number;
}

/**
 * A weak ETag from what the answer shows: the cache entry's version and, per item, its id, its
 * `updatedAt` and its live stock (a reservation moves both), plus the total for a page. A few
 * bytes per item are hashed, never the serialised body. The version alone is not enough: version
 * keys start again at 0 when Redis loses them, and item versions expire after a day.
 */
export function catalogEtag(
  kind: string,
  version: string | undefined,
  items: readonly Fingerprinted[],
  total?: number,
): string {
  const tag = version ?? 'db';
  const hash = createHash('sha1').update(`${kind}|${tag}|${total ?? ''}`);
  for (const item of items) hash.update(`|${item.id}:${item.updatedAt}:${item.stock ?? ''}`);
  return `W/"${kind}-${tag}-${hash.digest('base64url').slice(0, 22)}"`;
}

/**
 * Sends a catalog read with its ETag and public, revalidate-every-time caching; a matching
 * If-None-Match gets 304 before the body is even serialised.
 */
export function sendCatalogRead(
  req: Request,
  res: Response,
  read: CacheRead<unknown>,
  etag: string,
  body: unknown,
): void {
  res.set({ 'X-Cache': read.hit ? 'HIT' : 'MISS', 'Cache-Control': PUBLIC_REVALIDATE, ETag: etag });
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  res.json(body);
}
