import type { Logger, Redis } from '@ecom/service-kit';
import type { Registry } from 'prom-client';
import { CatalogCache } from './cache/catalog-cache';
import { CategoryCatalog } from './categories/category-catalog';
import type { ProductConfig } from './config';
import { Inventory } from './inventory/inventory';
import { StockStore } from './inventory/stock-store';
import { StockSweep, type StockSweepOptions } from './inventory/stock-sweep';
import { type CatalogMetrics, createCatalogMetrics } from './metrics';
import type { Models } from './models';
import { ProductCatalog } from './products/product-catalog';

export interface ServiceDeps {
  config: ProductConfig;
  models: Models;
  /** The cache client, with this service's key prefix. */
  redis: Redis;
  logger: Logger;
  registry: Registry;
  /** How long a call waits for another call working on the same order (tests shorten it). */
  orderWaitMs?: number;
  /** The holds bookkeeping's intervals and grace period (tests shorten them). */
  sweep?: StockSweepOptions;
}

export interface Services {
  cache: CatalogCache;
  products: ProductCatalog;
  categories: CategoryCatalog;
  inventory: Inventory;
  metrics: CatalogMetrics;
  stock: StockStore;
  sweep: StockSweep;
}

export function createServices(deps: ServiceDeps): Services {
  const { config, models, logger } = deps;
  const metrics = createCatalogMetrics(deps.registry);
  const cache = new CatalogCache(deps.redis, logger, metrics, {
    product: config.CACHE_TTL_PRODUCT_SECONDS,
    list: config.CACHE_TTL_LIST_SECONDS,
    category: config.CACHE_TTL_CATEGORY_SECONDS,
  });
  const stock = new StockStore(models, logger, deps.orderWaitMs);
  const waitMs = deps.orderWaitMs ?? 3_000;
  const sweep = new StockSweep(
    { stock, cache, metrics, logger },
    { graceMs: Math.max(60_000, 2 * waitMs), ...deps.sweep },
  );
  return {
    cache,
    metrics,
    stock,
    sweep,
    products: new ProductCatalog({ models, cache }),
    categories: new CategoryCatalog({ models, cache }),
    inventory: new Inventory({ stock, sweep, cache, metrics }),
  };
}
