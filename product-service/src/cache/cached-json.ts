import { createHash } from 'node:crypto';

/** Stock as the last reservation left it, laid over cached product copies. */
export interface LiveStock {
  stock: number;
  updatedAt: string;
}

/**
 * A cached catalog answer as stored in Redis: the version it was built under, a fingerprint of the
 * body (for the ETag), the ids of the products it shows (for the live-stock overlay) and the JSON
 * body, one per line. A hit is served
 * as these bytes, read from Redis as a Buffer: never decoded, parsed, serialised and encoded again.
 */
export interface CachedJson<Body extends string | Buffer = string | Buffer> {
  version: string;
  fingerprint: string;
  productIds: string[];
  json: Body;
}

/** Computed once, when the body is built; ETags are derived from it without hashing the body again. */
export function fingerprintOf(json: string): string {
  return createHash('sha1').update(json).digest('base64url').slice(0, 22);
}

export function encodeEntry(entry: CachedJson<string>): string {
  return `${entry.version}\n${entry.fingerprint}\n${entry.productIds.join(',')}\n${entry.json}`;
}

const NEWLINE = 0x0a;

/** Undefined for anything else (e.g. an entry written by an older release): a miss. */
export function decodeEntry(stored: Buffer): CachedJson<Buffer> | undefined {
  const ends: number[] = [];
  for (let from = 0; ends.length < 3; from = ends[ends.length - 1]! + 1) {
    const at = stored.indexOf(NEWLINE, from);
    if (at < 0) return undefined;
    ends.push(at);
  }
  const [first, second, third] = ends as [number, number, number];
  const ids = stored.toString('latin1', second + 1, third);
  return {
    version: stored.toString('latin1', 0, first),
    fingerprint: stored.toString('latin1', first + 1, second),
    productIds: ids === '' ? [] : ids.split(','),
    json: stored.subarray(third + 1),
  };
}

// JSON.stringify escapes every quote inside a string value, so these markers (a quote preceded by
// `{` or `,`) only ever match the members themselves, never text inside a name or description.
const STOCK = ',"stock":';
const UPDATED_AT = ',"updatedAt":"';

/**
 * The body with one product's stock and updatedAt replaced, found after the product's
 * `{"id":"…"` (productView writes id first, then stock before updatedAt). Unchanged when the
 * product is not in the body.
 */
export function overlayStock(json: string, id: string, live: LiveStock): string {
  const start = json.indexOf(`{"id":"${id}"`);
  if (start < 0) return json;
  const stockFrom = json.indexOf(STOCK, start);
  const updatedFrom = json.indexOf(UPDATED_AT, start);
  if (stockFrom < 0 || updatedFrom < 0) return json;
  const stockAt = stockFrom + STOCK.length;
  const stockEnd = endOfNumber(json, stockAt);
  const updatedAt = updatedFrom + UPDATED_AT.length;
  const updatedEnd = json.indexOf('"', updatedAt);
  if (stockAt > updatedAt || updatedEnd < 0) return json;
  return (
    json.slice(0, stockAt) +
    String(live.stock) +
    json.slice(stockEnd, updatedAt) +
    live.updatedAt +
    json.slice(updatedEnd)
  );
}

function endOfNumber(json: string, from: number): number {
  let at = from;
  while (at < json.length && json[at] !== ',' && json[at] !== '}') at++;
  return at;
}
