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
        return { value: entry.data, hit: true };
      }
    }
    this.metrics.cacheRequests.inc({ cache, result: 'miss' });
    const value = await load();
    const entry: Entry<T> = { v: version, data: value };
    await this.redis.set(dataKey, JSON.stringify(entry), 'EX', ttlSeconds).then(
      () => this.markHealthy(),
      (error: unknown) => this.markDegraded(error),
    );
    return { value, hit: false };
  }

  /** Call after the database write has completed. */
  async productsChanged(productIds: string[]): Promise<void> {
    await this.bump(productIds, true);
  }

  /**
   * A reservation or release changed stock. The products' own entries go stale at once, but the
   * lists only when a product sold out: otherwise every order would empty every cached list and
   * browsing under load would always miss. Lists may show a stock figure up to their TTL old;
   * what an order can take is decided by the reservation, never by a list.
   */
  async stockChanged(productIds: string[], availabilityChanged: boolean): Promise<void> {
    await this.bump(productIds, availabilityChanged);
  }

  private async bump(productIds: string[], lists: boolean): Promise<void> {
    const pipeline = this.redis.multi();
    if (lists) pipeline.incr(versionKeys.productLists);
    for (const id of productIds) {
      const key = versionKeys.product(id);
      pipeline.incr(key).expire(key, ITEM_VERSION_TTL_SECONDS);
    }
    await this.exec(pipeline);
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
