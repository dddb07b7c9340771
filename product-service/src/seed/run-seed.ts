/** `npm run seed -w @ecom/product-service`: loads the demo catalog into MONGODB_URL, idempotently. */
import { Registry } from 'prom-client';
import { connectMongo, connectRedis, createLogger, createRedis, runMain } from '@ecom/service-kit';
import { createCatalogCache } from '../cache/catalog-cache';
import { createCategoryStore } from '../categories/category-store';
import { loadProductConfig } from '../config';
import { createCatalogMetrics } from '../metrics';
import { createProductStore } from '../products/product-store';
import { seedCatalog } from './seed-catalog';

runMain(async () => {
  const config = loadProductConfig();
  const logger = createLogger('product-seed', config.LOG_LEVEL);
  const connection = await connectMongo(config.MONGODB_URL, { poolSize: 2, logger, attempts: 5 });
  const [categories, products] = await Promise.all([
    createCategoryStore(connection),
    createProductStore(connection),
  ]);
  // Redis is only needed to expire cached lists of a running service; without it, TTLs do that.
  const redis = createRedis(config.REDIS_URL, { logger, keyPrefix: config.REDIS_KEY_PREFIX });
  await connectRedis(redis, logger, 2).catch(() =>
    logger.warn('Redis not reachable; cached lists expire by TTL'),
  );
  const cache = createCatalogCache(redis, logger, createCatalogMetrics(new Registry()), {
    product: config.CACHE_TTL_PRODUCT_SECONDS,
    list: config.CACHE_TTL_LIST_SECONDS,
    category: config.CACHE_TTL_CATEGORY_SECONDS,
  });
  const result = await seedCatalog({ categories, products }, cache);
  const totals = { categories: await categories.count(), products: await products.count() };
  logger.info({ ...result, ...totals, database: connection.name }, 'demo catalog seeded');
  redis.disconnect();
  await connection.close();
});
