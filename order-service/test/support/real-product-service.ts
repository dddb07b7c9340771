/**
 * The real product-service (its app, services and order-events consumer) in-process on a port of
 * its own, with its own database. It can be stopped and started again on the same port, like a
 * product-service that goes down and comes back.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  connectMongo,
  connectRedis,
  createDocumentWrites,
  createLogger,
  createMetrics,
  createRedis,
  Lifecycle,
  signAccessToken,
  jwtSettingsFrom,
} from '@ecom/service-kit';
import { mongoUrlFor, redisUrl, uniqueName } from '@ecom/test-support';
import { Types } from 'mongoose';
import supertest from 'supertest';
import { createApp } from '../../../product-service/src/app';
import { loadProductConfig } from '../../../product-service/src/config';
import { OrderEventsConsumer } from '../../../product-service/src/inventory/order-events-consumer';
import { createModels } from '../../../product-service/src/models';
import { createServices } from '../../../product-service/src/services';

export interface RealProductServiceOptions {
  /** The stream the order-service under test publishes to. */
  stream: string;
}

export async function startRealProductService(options: RealProductServiceOptions) {
  const config = loadProductConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.ORDER_TEST_LOG ?? 'silent',
    MONGODB_URL: mongoUrlFor(uniqueName('products_')),
    REDIS_URL: redisUrl(),
    REDIS_KEY_PREFIX: `${uniqueName('ps_')}:`,
    ORDER_EVENTS_STREAM: options.stream,
    ORDER_EVENTS_GROUP: 'product-service',
    ORDER_EVENTS_CONSUMER: uniqueName('consumer_'),
  });
  const logger = createLogger('product-service-test', config.LOG_LEVEL);
  const connection = await connectMongo(config.MONGODB_URL, { logger, poolSize: 20 });
  const models = await createModels(connection);
  const redis = createRedis(config.REDIS_URL, { logger, keyPrefix: config.REDIS_KEY_PREFIX });
  await connectRedis(redis, logger);
  const metrics = createMetrics('product-service');
  const services = createServices({
    config,
    models,
    redis,
    logger,
    registry: metrics.registry,
    // One replica, and the order-service tests' single-connection URL: either mode is exact here.
    writes: createDocumentWrites('ferretdb'),
  });
  const app = createApp({ config, logger, metrics, lifecycle: new Lifecycle(), connection, services });
  const jwt = jwtSettingsFrom(config);
  const adminId = new Types.ObjectId().toHexString();
  const adminAuth = `Bearer ${signAccessToken({ id: adminId, email: 'admin@example.test', role: 'admin' }, jwt)}`;

  let server: Server | undefined;
  let consumer: OrderEventsConsumer | undefined;
  let port = 0;

  async function start() {
    server = app.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    const eventsRedis = createRedis(config.REDIS_URL, { logger });
    consumer = new OrderEventsConsumer(eventsRedis, services.inventory, logger, services.metrics, {
      stream: options.stream,
      group: config.ORDER_EVENTS_GROUP,
      consumer: config.ORDER_EVENTS_CONSUMER,
      signingKey: config.INTERNAL_TOKEN,
      blockMs: 200,
    });
    consumer.start();
  }

  async function stop() {
    await consumer?.stop();
    consumer = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server!.close(resolve));
      server = undefined;
    }
  }

  await start();
  const http = supertest(app);
  return {
    url: `http://127.0.0.1:${port}`,
    internalToken: config.INTERNAL_TOKEN,
    group: config.ORDER_EVENTS_GROUP,
    start,
    stop,
    async addProduct(stock: number, price = 10): Promise<string> {
      const category = uniqueName('Category-');
      await http.post('/categories').set('Authorization', adminAuth).send({ name: category }).expect(201);
      const response = await http
        .post('/products')
        .set('Authorization', adminAuth)
        .send({ name: uniqueName('Product-'), price, stock, category })
        .expect(201);
      return response.body.id as string;
    },
    async stockOf(productId: string): Promise<number> {
      const product = await models.products.findById(productId).select('stock').lean();
      return product!.stock;
    },
    async close() {
      await stop();
      redis.disconnect();
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}

export type RealProductService = Awaited<ReturnType<typeof startRealProductService>>;
