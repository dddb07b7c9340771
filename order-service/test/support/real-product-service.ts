/**
 * The real product-service, built through its package's public entry (the composition root that
 * its main.ts uses), in-process on a port of its own with its own database. stop() and start()
 * are a product-service process going down and coming back on the same port.
 */
import {
  createProductService,
  loadProductConfig,
  type ProductConfig,
  type ProductService,
} from '@ecom/product-service';
import { connectMongo, createLogger, localTokenKeys } from '@ecom/service-kit';
import { mongoUrlFor, redisUrl, uniqueName } from '@ecom/test-support';
import { Types } from 'mongoose';
import supertest from 'supertest';

export interface RealProductServiceOptions {
  /** The stream the order-service under test publishes to. */
  stream: string;
}

export async function startRealProductService(options: RealProductServiceOptions) {
  const tokens = localTokenKeys();
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.ORDER_TEST_LOG ?? 'silent',
    PORT: '0',
    MONGODB_URL: mongoUrlFor(uniqueName('products_')),
    MONGO_POOL_SIZE: '20',
    REDIS_URL: redisUrl(),
    REDIS_KEY_PREFIX: `${uniqueName('ps_')}:`,
    ORDER_EVENTS_STREAM: options.stream,
    ORDER_EVENTS_GROUP: 'product-service',
    ORDER_EVENTS_CONSUMER: uniqueName('consumer_'),
    DEFAULT_CATEGORIES: 'off',
    JWT_PUBLIC_KEYS: tokens.publicKeys,
  };
  let config: ProductConfig = loadProductConfig(env);
  // The test reads stock while product-service is down: through a connection of its own.
  const inspection = await connectMongo(config.MONGODB_URL, {
    logger: createLogger('product-service-test', 'silent'),
  });
  const adminId = new Types.ObjectId().toHexString();
  const adminAuth = `Bearer ${tokens.signer.sign({ id: adminId, email: 'admin@example.test', role: 'admin' })}`;

  let running: ProductService | undefined;

  async function start() {
    running = await createProductService(config, { eventsBlockMs: 200 });
    await running.start();
    // Back on the same port after a stop, like a restarted process.
    config = loadProductConfig({ ...env, PORT: new URL(running.url()).port });
  }

  async function stop() {
    await running?.stop();
    running = undefined;
  }

  await start();
  const url = running!.url();
  const http = () => supertest(url);
  return {
    url,
    internalToken: config.INTERNAL_TOKEN,
    group: config.ORDER_EVENTS_GROUP,
    start,
    stop,
    async addProduct(stock: number, price = 10): Promise<string> {
      const category = uniqueName('Category-');
      await http().post('/categories').set('Authorization', adminAuth).send({ name: category }).expect(201);
      const response = await http()
        .post('/products')
        .set('Authorization', adminAuth)
        .send({ name: uniqueName('Product-'), price, stock, category })
        .expect(201);
      return response.body.id as string;
    },
    async stockOf(productId: string): Promise<number> {
      const product = await inspection
        .collection<{ stock: number }>('products')
        .findOne({ _id: new Types.ObjectId(productId) }, { projection: { stock: 1 } });
      return product!.stock;
    },
    /** Whether product-service has marked the order's reservation placed (read its order.created). */
    async isPlaced(orderId: string): Promise<boolean> {
      const reservation = await inspection
        .collection<{ _id: string; placed?: boolean }>('reservations')
        .findOne({ _id: orderId }, { projection: { placed: 1 } });
      return reservation?.placed === true;
    },
    async close() {
      await stop();
      await inspection.dropDatabase().catch(() => undefined);
      await inspection.close();
    },
  };
}

export type RealProductService = Awaited<ReturnType<typeof startRealProductService>>;
