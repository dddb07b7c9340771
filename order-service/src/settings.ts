import {
  type AccessLogMode,
  type AccessTokenVerifier,
  accessTokenVerifierFrom,
  type Logger,
} from '@ecom/service-kit';
import type { OrderServiceConfig } from './config';
import type { BreakerOptions } from './inventory-client/inventory';

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
