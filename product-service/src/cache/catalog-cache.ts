import type { Logger, Redis } from '@ecom/service-kit';
import type { CacheName, CatalogMetrics } from '../metrics';

export interface CacheTtls {
  product: number;
  list: number;
  category: number;
}

export interface CacheRead<T> {
  value: T;
  hit: boolean;
  /** The version the value was read or computed under; undefined when Redis was bypassed. */
  version?: string;
}

interface Entry<T> {
  v: string;
  data: T;
}

/** Version keys: a write bumps them, which makes every entry stored under an older version a miss. */
export const versionKeys = {
  productLists: 'products:version',
  product: (id: string) => `products:item-version:${id}`,
  categories: 'categories:version',
};

const ITEM_VERSION_TTL_SECONDS = 86_400;

/** Stock as the last reservation left it, laid over cached product copies. */
export interface LiveStock {
  stock: number;
  updatedAt: string;
}

const liveStockKey = (id: string) => `products:stock:${id}`;

/**
 * Cache-aside over Redis. Each entry stores the version it was computed under, and one MGET reads
 * the current version together with the entry. A reader captures the version before it reads
 * MongoDB and a writer bumps it after writing, so a slow reader can never store stale data under a
 * current version (the race that plain "delete the key on write" has). No KEYS/SCAN anywhere.
 *
 * Redis trouble never fails a request: the read goes to MongoDB, the outage is logged once, and
 * `product_cache_available` drops to 0 until a command succeeds again.
 */
export class CatalogCache {
  private degraded = false;

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly metrics: CatalogMetrics,
    readonly ttls: CacheTtls,
  ) {}

  async read<T>(
    cache: CacheName,
    versionKey: string,
    dataKey: string,
    ttlSeconds: number,
    load: () => Promise<T>,
  ): Promise<CacheRead<T>> {
    let version: string;
    let cached: string | null;
    try {
      const [storedVersion, storedEntry] = await this.redis.mget(versionKey, dataKey);
      this.markHealthy();
      version = storedVersion ?? '0';
      cached = storedEntry ?? null;
    } catch (error) {
      this.markDegraded(error);
      this.metrics.cacheRequests.inc({ cache, result: 'bypass' });
      return { value: await load(), hit: false };
    }
    if (cached) {
      const entry = JSON.parse(cached) as Entry<T>;
      if (entry.v === version) {
        this.metrics.cacheRequests.inc({ cache, result: 'hit' });
        return { value: entry.data, hit: true, version };
      }
    }
    this.metrics.cacheRequests.inc({ cache, result: 'miss' });
    const value = await load();
    const entry: Entry<T> = { v: version, data: value };
    await this.redis.set(dataKey, JSON.stringify(entry), 'EX', ttlSeconds).then(
      () => this.markHealthy(),
      (error: unknown) => this.markDegraded(error),
    );
    return { value, hit: false, version };
  }

  /**
   * Any write to products, after the database write has completed: their entries and every list
   * go stale, and their live stock is dropped (the next entry is built from the database).
   */
  async productsChanged(productIds: string[]): Promise<void> {
    const pipeline = this.bump(productIds, true);
    if (productIds.length > 0) pipeline.del(...productIds.map(liveStockKey));
    await this.exec(pipeline);
  }

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
  async stockChanged(
    changes: ReadonlyArray<{ id: string } & LiveStock>,
    availabilityChanged: boolean,
  ): Promise<void> {
    const pipeline = this.bump([], availabilityChanged);
    const ttl = Math.max(this.ttls.product, this.ttls.list);
    for (const { id, stock, updatedAt } of changes) {
      pipeline.set(liveStockKey(id), JSON.stringify({ stock, updatedAt } satisfies LiveStock), 'EX', ttl);
    }
    await this.exec(pipeline);
  }

  /** Cached copies with the live stock of those products whose stock changed since. */
  async withLiveStock<T extends { id: string } & LiveStock>(products: T[]): Promise<T[]> {
    if (products.length === 0) return products;
    let live: Array<string | null>;
    try {
      live = await this.redis.mget(...products.map((product) => liveStockKey(product.id)));
    } catch (error) {
      this.markDegraded(error);
      return products;
    }
    return products.map((product, i) => {
      const current = live[i];
      if (!current) return product;
      const { stock, updatedAt } = JSON.parse(current) as LiveStock;
      return { ...product, stock, updatedAt };
    });
  }

  private bump(productIds: string[], lists: boolean): ReturnType<Redis['multi']> {
    const pipeline = this.redis.multi();
    if (lists) pipeline.incr(versionKeys.productLists);
    for (const id of productIds) {
      const key = versionKeys.product(id);
      pipeline.incr(key).expire(key, ITEM_VERSION_TTL_SECONDS);
    }
    return pipeline;
  }

  async categoriesChanged(): Promise<void> {
    await this.exec(this.redis.multi().incr(versionKeys.categories));
  }

  private async exec(pipeline: ReturnType<Redis['multi']>): Promise<void> {
    try {
      await pipeline.exec();
      this.markHealthy();
    } catch (error) {
      // Entries written before the outage may outlive it, until their TTL: logged, not fatal.
      this.markDegraded(error);
    }
  }

  private markDegraded(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.metrics.cacheAvailable.set(0);
    this.logger.warn({ err: error }, 'Redis cache unavailable; serving from MongoDB until it returns');
  }

  private markHealthy(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.metrics.cacheAvailable.set(1);
    this.logger.info('Redis cache available again');
  }
}
