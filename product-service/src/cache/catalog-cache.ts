import type { Logger, Redis } from '@ecom/service-kit';
import type { CacheName, CatalogMetrics } from '../metrics';
import {
  type CachedJson,
  decodeEntry,
  encodeEntry,
  fingerprintOf,
  type LiveStock,
  overlayStock,
} from './cached-json';

export interface CacheTtls {
  product: number;
  list: number;
  category: number;
}

/** A catalog answer as JSON text, and whether it came from the cache. */
export interface JsonRead {
  /** The JSON text; a Buffer when it is a stored entry served as it is. */
  json: string | Buffer;
  hit: boolean;
  /** The version the answer was read or built under; undefined when Redis was bypassed. */
  version?: string;
  /** Changes whenever the body does: the stored body's fingerprint plus the live stock laid over it. */
  fingerprint: string;
}

export interface JsonReadRequest<T> {
  cache: CacheName;
  versionKey: string;
  dataKey: string;
  ttlSeconds: number;
  load: () => Promise<T>;
  /** The products the answer shows, whose live stock is laid over it on every hit. */
  productIdsOf: (value: T) => string[];
  /** A single product's answer: its live stock comes in the same round trip as the entry. */
  ownProductId?: string;
}

/** Version keys: a write bumps them, which makes every entry stored under an older version a miss. */
export const versionKeys = {
  productLists: 'products:version',
  product: (id: string) => `products:item-version:${id}`,
  categories: 'categories:version',
};

const ITEM_VERSION_TTL_SECONDS = 86_400;

export type { LiveStock } from './cached-json';

const liveStockKey = (id: string) => `products:stock:${id}`;

/**
 * The entry's body with the live stock laid over it (the stored bytes themselves when there is
 * none), and a fingerprint that names what was laid over.
 */
function withLive(
  entry: CachedJson<Buffer>,
  productIds: string[],
  live: Array<Buffer | null>,
): { json: string | Buffer; fingerprint: string } {
  let body: string | undefined;
  let fingerprint = entry.fingerprint;
  for (let i = 0; i < productIds.length; i++) {
    const current = live[i];
    if (!current) continue;
    const stock = JSON.parse(current.toString()) as LiveStock;
    body = overlayStock(body ?? entry.json.toString('utf8'), productIds[i]!, stock);
    fingerprint += `|${productIds[i]}:${stock.stock}:${stock.updatedAt}`;
  }
  return { json: body ?? entry.json, fingerprint };
}

/**
 * Cache-aside over Redis. Each entry stores the version it was computed under, and one MGET reads
 * the current version together with the entry. A reader captures the version before it reads
 * MongoDB and a writer bumps it after writing, so a slow reader can never store stale data under a
 * current version (the race that plain "delete the key on write" has). No KEYS/SCAN anywhere.
 *
 * Redis trouble never fails a request: the read goes to MongoDB, the outage is logged once, and
 * `product_cache_available` drops to 0 until a command succeeds again.
 */
export interface CatalogCache {
  readonly ttls: CacheTtls;
  /**
   * A cached catalog answer as JSON text. One MGET reads the current version with the entry (and,
   * for a single product, its live stock); a hit is the stored bytes with the live stock of the
   * products it shows laid over them, never parsed or serialised again. A miss loads, serialises
   * once and stores.
   */
  readJson<T>(request: JsonReadRequest<T>): Promise<JsonRead>;
  /**
   * Any write to products, after the database write has completed: their entries and every list
   * go stale, and their live stock is dropped (the next entry is built from the database).
   */
  productsChanged(productIds: string[]): Promise<void>;
  /**
   * A reservation took stock or a release gave it back. Called while holding the products' locks,
   * so these writes land in the order the stock changed. Product entries stay valid and get the live
   * figure laid over them on every hit, so an order does not turn the next views of its products
   * into misses. Lists are emptied only when availability changed (a product sold out or came back),
   * since it must leave or re-enter `inStock=true` results.
   *
   * The live figure outlives every entry it may correct (its TTL is the longest entry TTL), so a
   * cached entry older than the last stock change is never served without it.
   */
  stockChanged(
    changes: ReadonlyArray<{ id: string } & LiveStock>,
    availabilityChanged: boolean,
  ): Promise<void>;
  categoriesChanged(): Promise<void>;
}

export function createCatalogCache(
  redis: Redis,
  logger: Logger,
  metrics: CatalogMetrics,
  ttls: CacheTtls,
): CatalogCache {
  let degraded = false;

  function markDegraded(error: unknown): void {
    if (degraded) return;
    degraded = true;
    metrics.cacheAvailable.set(0);
    logger.warn({ err: error }, 'Redis cache unavailable; serving from MongoDB until it returns');
  }

  function markHealthy(): void {
    if (!degraded) return;
    degraded = false;
    metrics.cacheAvailable.set(1);
    logger.info('Redis cache available again');
  }

  /** The cached body with the live stock of those products whose stock changed since. */
  async function withLiveStock(
    entry: CachedJson<Buffer>,
  ): Promise<{ json: string | Buffer; fingerprint: string }> {
    const ids = entry.productIds;
    if (ids.length === 0) return { json: entry.json, fingerprint: entry.fingerprint };
    try {
      return withLive(entry, ids, await redis.mgetBuffer(...ids.map(liveStockKey)));
    } catch (error) {
      markDegraded(error);
      return { json: entry.json, fingerprint: entry.fingerprint };
    }
  }

  function bump(productIds: string[], lists: boolean): ReturnType<Redis['multi']> {
    const pipeline = redis.multi();
    if (lists) pipeline.incr(versionKeys.productLists);
    for (const id of productIds) {
      const key = versionKeys.product(id);
      pipeline.incr(key).expire(key, ITEM_VERSION_TTL_SECONDS);
    }
    return pipeline;
  }

  async function exec(pipeline: ReturnType<Redis['multi']>): Promise<void> {
    try {
      await pipeline.exec();
      markHealthy();
    } catch (error) {
      // Entries written before the outage may outlive it, until their TTL: logged, not fatal.
      markDegraded(error);
    }
  }

  return {
    ttls,

    async readJson<T>(request: JsonReadRequest<T>): Promise<JsonRead> {
      const { cache, versionKey, dataKey, ownProductId } = request;
      const keys = ownProductId ? [versionKey, dataKey, liveStockKey(ownProductId)] : [versionKey, dataKey];
      let stored: Array<Buffer | null>;
      try {
        stored = await redis.mgetBuffer(...keys);
        markHealthy();
      } catch (error) {
        markDegraded(error);
        metrics.cacheRequests.inc({ cache, result: 'bypass' });
        const json = JSON.stringify(await request.load());
        return { json, hit: false, fingerprint: fingerprintOf(json) };
      }
      const version = stored[0]?.toString() ?? '0';
      const entry = stored[1] ? decodeEntry(stored[1]) : undefined;
      if (entry && entry.version === version) {
        metrics.cacheRequests.inc({ cache, result: 'hit' });
        const served = ownProductId
          ? withLive(entry, [ownProductId], [stored[2] ?? null])
          : await withLiveStock(entry);
        return { ...served, hit: true, version };
      }
      metrics.cacheRequests.inc({ cache, result: 'miss' });
      const value = await request.load();
      const json = JSON.stringify(value);
      const fingerprint = fingerprintOf(json);
      const encoded = encodeEntry({ version, fingerprint, productIds: request.productIdsOf(value), json });
      await redis.set(dataKey, encoded, 'EX', request.ttlSeconds).then(
        () => markHealthy(),
        (error: unknown) => markDegraded(error),
      );
      return { json, hit: false, version, fingerprint };
    },

    async productsChanged(productIds) {
      const pipeline = bump(productIds, true);
      if (productIds.length > 0) pipeline.del(...productIds.map(liveStockKey));
      await exec(pipeline);
    },

    async stockChanged(changes, availabilityChanged) {
      const pipeline = bump([], availabilityChanged);
      const ttl = Math.max(ttls.product, ttls.list);
      for (const { id, stock, updatedAt } of changes) {
        pipeline.set(liveStockKey(id), JSON.stringify({ stock, updatedAt } satisfies LiveStock), 'EX', ttl);
      }
      await exec(pipeline);
    },

    async categoriesChanged() {
      await exec(redis.multi().incr(versionKeys.categories));
    },
  };
}
