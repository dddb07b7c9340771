/** Builds the real product-service by its composition root against the test FerretDB/MongoDB and Redis. */
import {
  createProductService,
  loadProductConfig,
  type ProductService,
  type ProductServiceOptions,
} from '@ecom/product-service';
import { type AuthUser, DEV_INTERNAL_TOKEN, localTokenKeys } from '@ecom/service-kit';
import { mongoUrlFor, redisUrl, uniqueName } from '@ecom/test-support';
import { Types } from 'mongoose';
import supertest from 'supertest';
import { afterAll, beforeAll } from 'vitest';

export interface TestService extends ProductService {
  http: ReturnType<typeof supertest>;
  adminAuth: string;
  customerAuth: string;
  internalToken: string;
  /** stop(), and the database dropped unless it was given (shared with another instance). */
  close(): Promise<void>;
}

export interface TestServiceOptions {
  /** Another Redis than the shared test one (e.g. one the test stops). */
  redisUrl?: string;
  /** Reuse a database (a second replica of the same service); default: a fresh one. */
  database?: string;
  orderWaitMs?: number;
  /** The holds bookkeeping's intervals and grace period. */
  sweep?: ProductServiceOptions['sweep'];
  /** More variables (e.g. the order-events stream of an order-service under test). */
  env?: Record<string, string>;
}

/** What tests sign with; the services are given its public half, as they would be user-service's. */
export const tokenKeys = localTokenKeys();

/** Environment of a test instance: free port, its own database and key prefix, no default categories. */
function testProductEnv(database: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    MONGODB_URL: mongoUrlFor(database),
    MONGO_POOL_SIZE: '20',
    REDIS_URL: redisUrl(),
    REDIS_KEY_PREFIX: `${uniqueName('ps_')}:`,
    DEFAULT_CATEGORIES: 'off',
    JWT_PUBLIC_KEYS: tokenKeys.publicKeys,
  };
}

export async function startProductService(options: TestServiceOptions = {}): Promise<TestService> {
  const database = options.database ?? uniqueName('products_');
  const config = loadProductConfig({
    ...testProductEnv(database),
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.env,
  });
  const service = await createProductService(config, {
    orderWaitMs: options.orderWaitMs,
    eventsBlockMs: 200,
    sweep: options.sweep,
  });
  const bearer = (role: AuthUser['role']) => {
    const id = new Types.ObjectId().toHexString();
    return `Bearer ${tokenKeys.signer.sign({ id, email: `${id}@example.test`, role })}`;
  };
  return {
    ...service,
    http: supertest(service.app),
    adminAuth: bearer('admin'),
    customerAuth: bearer('customer'),
    internalToken: DEV_INTERNAL_TOKEN,
    async close() {
      // Not after an earlier stop(): a closed connection would wait for a reconnect that never comes.
      const open = service.connection.readyState === 1;
      if (open && !options.database) await service.connection.dropDatabase().catch(() => undefined);
      await service.stop();
    },
  };
}

/** One service for the whole file (the enclosing describe): started before its tests, closed after. */
export function useProductService(
  onStarted: (service: TestService) => void,
  options: TestServiceOptions = {},
): void {
  let started: TestService | undefined;
  beforeAll(async () => {
    started = await startProductService(options);
    onStarted(started);
  });
  afterAll(async () => {
    await started?.close();
  });
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
  const product = await service.productStore.byId(productId);
  if (!product) throw new Error(`no product ${productId}`);
  return product.stock;
}

export const newOrderId = () => new Types.ObjectId().toHexString();

/** A product document as stored, for tests that look at (or stage) what the API does not show. */
export interface StoredProduct {
  _id: Types.ObjectId;
  stock: number;
  priceCents: number;
  categoryKey: string;
  holds?: Array<{ orderId: string; call: string; quantity: number; at: Date }>;
  releases?: string[];
}

/** The products collection itself, through the service's own connection (its stores use the same). */
export const storedProducts = (service: ProductService) =>
  service.connection.collection<StoredProduct>('products');

/** The reservations collection itself (keyed by order id). */
export const storedReservations = (service: ProductService) =>
  service.connection.collection<{ _id: string; status: string; placed?: boolean }>('reservations');
