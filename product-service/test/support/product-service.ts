/** Builds the real product-service in-process against the test FerretDB/MongoDB and Redis. */
import {
  type AuthUser,
  connectMongo,
  connectRedis,
  createDocumentWrites,
  createLogger,
  createMetrics,
  createRedis,
  DEV_INTERNAL_TOKEN,
  Lifecycle,
  type Redis,
  signAccessToken,
  type StorageMode,
  jwtSettingsFrom,
} from '@ecom/service-kit';
import { mongoUrlFor, redisUrl, uniqueName } from '@ecom/test-support';
import type { Express } from 'express';
import { type Connection, Types } from 'mongoose';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import { loadProductConfig, type ProductConfig } from '../../src/config';
import { createModels, type Models } from '../../src/models';
import { createServices, type Services } from '../../src/services';

export interface TestService {
  app: Express;
  http: ReturnType<typeof supertest>;
  config: ProductConfig;
  connection: Connection;
  models: Models;
  redis: Redis;
  services: Services;
  adminAuth: string;
  customerAuth: string;
  internalToken: string;
  close(): Promise<void>;
}

export interface TestServiceOptions {
  /** Another Redis than the shared test one (e.g. one the test stops). */
  redisUrl?: string;
  /** Reuse a database (a second replica of the same service); default: a fresh one. */
  database?: string;
  /**
   * Which store implementation to run (see DocumentWrites). `ferretdb` (the default here, as on
   * `npm start`) gets a real connection pool, so its in-process serialisation is what keeps writes
   * exact. `mongodb` sends guarded writes as they are; FerretDB makes those atomic only when one
   * connection carries them, so it runs with maxPoolSize=1: that proves the store's logic, while
   * the server-side atomicity it relies on can only be proven on real MongoDB.
   */
  storageMode?: StorageMode;
  orderWaitMs?: number;
}

export async function startProductService(options: TestServiceOptions = {}): Promise<TestService> {
  const database = options.database ?? uniqueName('products_');
  const storageMode = options.storageMode ?? 'ferretdb';
  const config = loadProductConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // The shared test URL pins FerretDB to one connection per process (its conditional updates are
    // not atomic across connections). The FerretDB mode does not rely on that, so it gets a pool.
    MONGODB_URL:
      storageMode === 'ferretdb'
        ? mongoUrlFor(database).replace('maxPoolSize=1', 'maxPoolSize=10')
        : mongoUrlFor(database),
    REDIS_URL: options.redisUrl ?? redisUrl(),
    REDIS_KEY_PREFIX: `${uniqueName('ps_')}:`,
  });
  const logger = createLogger('product-service-test', config.LOG_LEVEL);
  const connection = await connectMongo(config.MONGODB_URL, { logger, poolSize: 20 });
  const models = await createModels(connection);
  const redis = createRedis(config.REDIS_URL, {
    logger,
    keyPrefix: config.REDIS_KEY_PREFIX,
    overrides: { commandTimeout: 1_000 },
  });
  await connectRedis(redis, logger, 3);
  const metrics = createMetrics('product-service');
  const services = createServices({
    config,
    models,
    redis,
    logger,
    registry: metrics.registry,
    writes: createDocumentWrites(storageMode),
    orderWaitMs: options.orderWaitMs,
  });
  const app = createApp({ config, logger, metrics, lifecycle: new Lifecycle(), connection, services });
  const jwt = jwtSettingsFrom(config);
  const bearer = (role: AuthUser['role']) => {
    const id = new Types.ObjectId().toHexString();
    return `Bearer ${signAccessToken({ id, email: `${id}@example.test`, role }, jwt)}`;
  };
  return {
    app,
    http: supertest(app),
    config,
    connection,
    models,
    redis,
    services,
    adminAuth: bearer('admin'),
    customerAuth: bearer('customer'),
    internalToken: DEV_INTERNAL_TOKEN,
    async close() {
      redis.disconnect();
      if (!options.database) await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}

/** Creates a category and a product in it through the API; unique names so tests never collide. */
export async function createProduct(
  service: TestService,
  fields: Partial<{
    name: string;
    price: number;
    stock: number;
    category: string;
    description: string;
    sku: string;
    isActive: boolean;
  }> = {},
): Promise<{ id: string; category: string; price: number; stock: number; name: string }> {
  const category = fields.category ?? (await createCategory(service)).name;
  const response = await service.http
    .post('/products')
    .set('Authorization', service.adminAuth)
    .send({ name: uniqueName('Product-'), price: 10, stock: 10, ...fields, category });
  if (response.status !== 201)
    throw new Error(`createProduct: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function createCategory(
  service: TestService,
  name = uniqueName('Category-'),
): Promise<{ id: string; name: string }> {
  const response = await service.http
    .post('/categories')
    .set('Authorization', service.adminAuth)
    .send({ name });
  if (response.status !== 201)
    throw new Error(`createCategory: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function stockOf(service: TestService, productId: string): Promise<number> {
  const product = await service.models.products.findById(productId).select('stock').lean();
  if (!product) throw new Error(`no product ${productId}`);
  return product.stock;
}

export const newOrderId = () => new Types.ObjectId().toHexString();
