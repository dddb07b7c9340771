import {
  type AccessLogMode,
  type AccessTokenVerifier,
  accessTokenVerifierFrom,
  dataServiceEnvShape,
  internalTokenShape,
  loadConfig,
  type Logger,
  serviceUrls,
} from '@ecom/service-kit';
import { z } from 'zod';
import type { BreakerOptions } from './inventory-client/inventory';
import { DEFAULT_CURRENCY } from './orders/order-types';

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
    .default(DEFAULT_CURRENCY),
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

/**
 * Everything tunable, in one plain object: the root (service.ts) maps the config to it; tests
 * override what no variable sets (their own stream, a breaker, short waits).
 */
export interface OrderServiceSettings {
  /** Access tokens, checked with user-service's public keys. */
  jwt: AccessTokenVerifier;
  corsOrigins: string[];
  bodyLimit: string;
  /** Default all. */
  accessLog?: AccessLogMode;
  currency: string;
  /** One per product-service replica. */
  productServiceUrls: string[];
  internalToken: string;
  productTimeoutMs: number;
  outboxIntervalMs: number;
  releaseRetryIntervalMs: number;
  streamMaxLen: number;
  /** Tests publish to a stream of their own; production uses the shared `events:orders`. */
  stream?: string;
  breaker?: BreakerOptions;
  idempotencyWaitMs?: number;
  /** host:port of this process; guards carry it so a successor can resolve them at start-up. */
  slot?: string;
  /** Units one customer may hold in pending orders at once. */
  maxPendingUnitsPerUser: number;
  /** Units the customers of one client address may hold in pending orders at once, together. */
  maxPendingUnitsPerAddress: number;
  /** Where the per-address tallies live in Redis; tests give each instance its own. */
  addressLimitKeyPrefix?: string;
  /** Pending orders older than this are cancelled (reason `expired`) and their stock released. */
  pendingOrderTtlMs: number;
}

export function settingsFromConfig(config: OrderServiceConfig, logger?: Logger): OrderServiceSettings {
  return {
    jwt: accessTokenVerifierFrom(config, logger),
    corsOrigins: config.CORS_ORIGINS,
    bodyLimit: config.BODY_LIMIT,
    accessLog: config.ACCESS_LOG,
    currency: config.ORDER_CURRENCY,
    productServiceUrls: config.PRODUCT_SERVICE_URL,
    internalToken: config.INTERNAL_TOKEN,
    productTimeoutMs: config.PRODUCT_SERVICE_TIMEOUT_MS,
    outboxIntervalMs: config.OUTBOX_INTERVAL_MS,
    releaseRetryIntervalMs: config.RELEASE_RETRY_INTERVAL_MS,
    streamMaxLen: config.EVENTS_STREAM_MAXLEN,
    maxPendingUnitsPerUser: config.MAX_PENDING_UNITS_PER_USER,
    maxPendingUnitsPerAddress: config.MAX_PENDING_UNITS_PER_ADDRESS,
    pendingOrderTtlMs: config.PENDING_ORDER_TTL_MS,
  };
}
