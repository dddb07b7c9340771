import {
  closeRedis,
  connectRedis,
  createRedis,
  openMongoStorage,
  type Redis,
  type RootOptions,
  serviceBasics,
  type ServiceRoot,
  serviceRoot,
} from '@ecom/service-kit';
import type { Connection } from 'mongoose';
import { createApp } from './app';
import { type CatalogCache, createCatalogCache } from './cache/catalog-cache';
import { type CategoryCatalog, createCategoryCatalog } from './categories/category-catalog';
import { type CategoryStore, createCategoryStore } from './categories/category-store';
import type { ProductConfig } from './config';
import type { Inventory } from './inventory/inventory';
import { createInventoryComponent } from './inventory/inventory-component';
import type { StockStore } from './inventory/stock-store';
import type { StockSweep, StockSweepOptions } from './inventory/stock-sweep';
import { type CatalogMetrics, createCatalogMetrics } from './metrics';
import { createProductCatalog, type ProductCatalog } from './products/product-catalog';
import { createProductStore, type ProductStore } from './products/product-store';
import { ensureDefaultCategories } from './seed/default-categories';

export interface ProductServiceOptions extends RootOptions {
  /** How long a call waits for another call working on the same order (tests shorten it). */
  orderWaitMs?: number;
  /** How long one read of the order-events stream blocks (tests shorten it so stop() is quick). */
  eventsBlockMs?: number;
  /** The holds bookkeeping's intervals and grace period (tests shorten them). */
  sweep?: StockSweepOptions;
}

export interface ProductService extends ServiceRoot {
  config: ProductConfig;
  connection: Connection;
  /** The cache client, with the configured key prefix. */
  redis: Redis;
  cache: CatalogCache;
  catalogMetrics: CatalogMetrics;
  productStore: ProductStore;
  categoryStore: CategoryStore;
  stockStore: StockStore;
  products: ProductCatalog;
  categories: CategoryCatalog;
  inventory: Inventory;
  sweep: StockSweep;
}

/**
 * The composition root: connects MongoDB and Redis, builds the stores (each creates its model and
 * indexes), the default categories and the app. start() adds the order-events consumer and the
 * stock bookkeeping loops.
 */
export async function createProductService(
  config: ProductConfig,
  options: ProductServiceOptions = {},
): Promise<ProductService> {
  const basics = serviceBasics('product-service', config, options);
  const { logger, metrics, lifecycle } = basics;
  const connection = await openMongoStorage(config, basics);
  // A hung Redis must not hang requests: cache commands give up after a second and fall back.
  const redis = createRedis(config.REDIS_URL, {
    logger,
    keyPrefix: config.REDIS_KEY_PREFIX,
    overrides: { commandTimeout: 1_000 },
  });
  await connectRedis(redis, logger, 5).catch((error: unknown) =>
    logger.warn({ err: error }, 'starting without Redis: the cache is bypassed until it answers'),
  );
  const catalogMetrics = createCatalogMetrics(metrics.registry);
  const cache = createCatalogCache(redis, logger, catalogMetrics, {
    product: config.CACHE_TTL_PRODUCT_SECONDS,
    list: config.CACHE_TTL_LIST_SECONDS,
    category: config.CACHE_TTL_CATEGORY_SECONDS,
  });

  const [productStore, categoryStore, stock] = await Promise.all([
    createProductStore(connection),
    createCategoryStore(connection),
    createInventoryComponent({
      connection,
      cache,
      metrics: catalogMetrics,
      logger,
      orderWaitMs: options.orderWaitMs,
      sweep: options.sweep,
      events: {
        // Blocking reads need their own connection, without the key prefix (the stream name is
        // shared) and without auto-pipelining (a blocking read would hold back what queues behind it).
        openRedis: () =>
          createRedis(config.REDIS_URL, { logger, overrides: { enableAutoPipelining: false } }),
        stream: config.ORDER_EVENTS_STREAM,
        group: config.ORDER_EVENTS_GROUP,
        consumer: config.ORDER_EVENTS_CONSUMER,
        signingKey: config.INTERNAL_TOKEN,
        blockMs: options.eventsBlockMs,
      },
    }),
  ]);
  const products = createProductCatalog({ products: productStore, categories: categoryStore, cache });
  const categories = createCategoryCatalog({ categories: categoryStore, products: productStore, cache });
  const { inventory, sweep } = stock;

  const app = createApp({ config, logger, metrics, lifecycle, connection, products, categories, inventory });
  if (config.DEFAULT_CATEGORIES === 'on') {
    const created = await ensureDefaultCategories(categoryStore, cache);
    if (created > 0) logger.info({ created }, 'empty catalog: default categories created');
  }

  const root = serviceRoot({
    ...basics,
    app,
    config,
    startBackground: () => stock.startBackground(),
    clients: [() => closeRedis(redis), () => connection.close()],
  });
  return {
    ...root,
    config,
    connection,
    redis,
    cache,
    catalogMetrics,
    productStore,
    categoryStore,
    stockStore: stock.stock,
    products,
    categories,
    inventory,
    sweep,
  };
}
