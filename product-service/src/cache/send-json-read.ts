import type { Response } from 'express';
import type { JsonRead } from './catalog-cache';

/** Sends a catalog read as the JSON text it already is, with X-Cache telling HIT from MISS. */
export function sendJsonRead(res: Response, read: JsonRead): void {
  res
    .set('X-Cache', read.hit ? 'HIT' : 'MISS')
    .type('json')
    .send(read.json);
}
