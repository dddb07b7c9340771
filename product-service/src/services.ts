import { DocumentLocks, type LockOptions, type Logger, type Redis } from '@ecom/service-kit';
import type { Connection } from 'mongoose';
import type { Registry } from 'prom-client';
import { CatalogCache } from './cache/catalog-cache';
import { CategoryCatalog } from './categories/category-catalog';
import type { ProductConfig } from './config';
import { Inventory } from './inventory/inventory';
import { type CatalogMetrics, createCatalogMetrics } from './metrics';
import type { Models } from './models';
import { ProductCatalog } from './products/product-catalog';

export interface ServiceDeps {
  config: ProductConfig;
  /** Holds the lock collection next to the models. */
  connection: Connection;
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
  locks: DocumentLocks;
}

export function createServices(deps: ServiceDeps): Services {
  const { config, models, logger } = deps;
  const metrics = createCatalogMetrics(deps.registry);
  const cache = new CatalogCache(deps.redis, logger, metrics, {
    product: config.CACHE_TTL_PRODUCT_SECONDS,
    list: config.CACHE_TTL_LIST_SECONDS,
    category: config.CACHE_TTL_CATEGORY_SECONDS,
  });
  // Every write to a product or a reservation runs under these (see the README's MongoDB section).
  const locks = new DocumentLocks(deps.connection, {
    collection: 'inventory_locks',
    busyMessage: 'Inventory is busy, retry shortly',
    ...deps.locks,
  });
  return {
    cache,
    metrics,
    locks,
    products: new ProductCatalog({ models, cache, locks }),
    categories: new CategoryCatalog({ models, cache, locks }),
    inventory: new Inventory({ models, locks, cache, metrics, logger }),
  };
}
