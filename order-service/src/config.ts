import { dataServiceEnvShape, internalTokenShape, loadConfig, serviceUrls } from '@ecom/service-kit';
import { z } from 'zod';

const millis = (fallback: number, min = 1) => z.coerce.number().int().min(min).max(600_000).default(fallback);

const envShape = {
  ...dataServiceEnvShape({ port: 3003, database: 'orders', accessLog: 'errors' }),
  ...internalTokenShape,
  /** Every product-service replica (comma-separated); a reservation refused by one goes to the next. */
  PRODUCT_SERVICE_URL: serviceUrls('http://127.0.0.1:3002'),
  // The issue caps the wait on product-service at 3 s so a client always gets a quick 503.
  PRODUCT_SERVICE_TIMEOUT_MS: millis(2_500, 50).refine((ms) => ms <= 3_000, 'must be at most 3000'),
  ORDER_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as USD')
    .default('USD'),
  OUTBOX_INTERVAL_MS: millis(5_000, 10),
  RELEASE_RETRY_INTERVAL_MS: millis(2_000, 10),
  MAX_PENDING_UNITS_PER_USER: z.coerce.number().int().min(1).max(100_000).default(100),
  /** Across every account placing from one client address (see holds/address-limit.ts). */
  MAX_PENDING_UNITS_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000_000).default(300),
  PENDING_ORDER_TTL_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(30 * 24 * 3_600_000)
    .default(30 * 60_000),
  EVENTS_STREAM_MAXLEN: z.coerce.number().int().min(1_000).default(100_000),
};

export type OrderServiceConfig = ReturnType<typeof loadOrderServiceConfig>;

export function loadOrderServiceConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(envShape, env);
}
