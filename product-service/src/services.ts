import type { Logger, Redis } from '@ecom/service-kit';
import type { Registry } from 'prom-client';
import { CatalogCache } from './cache/catalog-cache';
import { CategoryCatalog } from './categories/category-catalog';
import { DocumentLocks, type LockOptions } from './concurrency/document-locks';
import type { ProductConfig } from './config';
import { Inventory } from './inventory/inventory';
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
  locks?: LockOptions;
}

export interface Services {
  cache: CatalogCache;
  products: ProductCatalog;
  categories: CategoryCatalog;
  inventory: Inventory;
  metrics: CatalogMetrics;
}

export function createServices(deps: ServiceDeps): Services {
  const { config, models, logger } = deps;
  const metrics = createCatalogMetrics(deps.registry);
  const cache = new CatalogCache(deps.redis, logger, metrics, {
    product: config.CACHE_TTL_PRODUCT_SECONDS,
    list: config.CACHE_TTL_LIST_SECONDS,
    category: config.CACHE_TTL_CATEGORY_SECONDS,
  });
  const locks = new DocumentLocks(models.locks, deps.locks);
  return {
    cache,
    metrics,
    products: new ProductCatalog({ models, cache, locks }),
    categories: new CategoryCatalog({ models, cache, locks }),
    inventory: new Inventory({ models, locks, cache, metrics, logger }),
  };
}
