import os from 'node:os';
import { z } from 'zod';
import { dataServiceEnvShape, internalTokenShape, loadConfig, ORDERS_STREAM } from '@ecom/service-kit';

const seconds = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

export const productEnvShape = {
  ...dataServiceEnvShape({ port: 3002, database: 'products', accessLog: 'errors' }),
  ...internalTokenShape,
  REDIS_KEY_PREFIX: z.string().default('product:'),
  CACHE_TTL_PRODUCT_SECONDS: seconds(300),
  CACHE_TTL_LIST_SECONDS: seconds(120),
  CACHE_TTL_CATEGORY_SECONDS: seconds(600),
  /** Redis Stream the order-service publishes to; read without the key prefix. */
  ORDER_EVENTS_STREAM: z.string().min(1).default(ORDERS_STREAM),
  ORDER_EVENTS_GROUP: z.string().min(1).default('product-service'),
  ORDER_EVENTS_CONSUMER: z.string().min(1).default(`${os.hostname()}-${process.pid}`),
  /** `on`: an empty catalog gets the demo catalog's categories at start (Electronics, Books, ...). */
  DEFAULT_CATEGORIES: z.enum(['on', 'off']).default('on'),
};

export type ProductConfig = ReturnType<typeof loadProductConfig>;

export function loadProductConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(productEnvShape, env);
}
