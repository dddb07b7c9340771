import { isIP } from 'node:net';
import {
  baseEnvShape,
  ConfigError,
  jwtEnvShape,
  loadConfig,
  redisEnvShape,
  serviceUrls,
} from '@ecom/service-kit';
import { z } from 'zod';

const millis = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const optionalMillis = z.coerce.number().int().min(1).optional();
const count = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** Names Express (proxy-addr) knows: 127.0.0.0/8 + ::1, 169.254.0.0/16 + fe80::/10, private ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address, a subnet (10.0.0.0/8) or one of the named ranges. */
function isProxyAddress(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const proxyAddresses = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  )
  .refine((entries) => entries.every(isProxyAddress), {
    message: 'must list addresses, subnets (10.0.0.0/8) or loopback, linklocal, uniquelocal',
  });

export const gatewayEnvShape = {
  ...baseEnvShape({ port: 3000 }),
  ...redisEnvShape,
  ...jwtEnvShape,

  USER_SERVICE_URL: serviceUrls('http://127.0.0.1:3001'),
  PRODUCT_SERVICE_URL: serviceUrls('http://127.0.0.1:3002'),
  ORDER_SERVICE_URL: serviceUrls('http://127.0.0.1:3003'),
  /** Until the upstream's response headers arrive; then the 504. Per-service values override it. */
  UPSTREAM_TIMEOUT_MS: millis(10_000),
  USER_UPSTREAM_TIMEOUT_MS: optionalMillis,
  PRODUCT_UPSTREAM_TIMEOUT_MS: optionalMillis,
  ORDER_UPSTREAM_TIMEOUT_MS: optionalMillis,
  /** The whole request body must arrive within this, else 408; the upstream timeout starts after it. */
  CLIENT_BODY_TIMEOUT_MS: millis(10_000),
  /** A TCP connect that takes longer means the upstream is gone; fail fast with a 503. */
  UPSTREAM_CONNECT_TIMEOUT_MS: millis(1_000),
  // How often each service name is re-resolved to the list of its replicas' addresses.
  UPSTREAM_RESOLVE_MS: millis(5_000),
  /**
   * How often each replica's /ready is asked, when a service has several: a replica that is
   * stopping (503 shutting_down) or not ready is taken out of the rotation until it answers 200.
   * Shorter than the services' SHUTDOWN_DRAIN_DELAY_MS, so a drain is seen before it closes.
   */
  UPSTREAM_PROBE_MS: millis(500),

  /**
   * Addresses of the reverse proxies in front of the gateway (nginx). X-Forwarded-For decides the
   * client address, and so its rate-limit budget, only on connections from these; none by default.
   */
  TRUST_PROXY: proxyAddresses.default([]),

  RATE_LIMIT_WINDOW: millis(15 * 60 * 1000),
  RATE_LIMIT_MAX: count(5_000),
  AUTH_RATE_LIMIT_MAX: count(500),
  /** Redis key prefix of the counters; every replica must use the same one to share limits. */
  RATE_LIMIT_KEY_PREFIX: z.string().min(1).default('gateway:rl:'),

  CIRCUIT_ERROR_THRESHOLD_PERCENT: z.coerce.number().min(1).max(100).default(50),
  /** Requests within the rolling window before the error rate may open the circuit. */
  CIRCUIT_VOLUME_THRESHOLD: z.coerce.number().int().min(1).default(5),
  CIRCUIT_ROLLING_WINDOW_MS: millis(10_000),
  /** How long an open circuit rejects before letting one trial request through. */
  CIRCUIT_RESET_MS: millis(10_000),
  /** While a circuit is open, the upstream's /ready is polled this often; a 200 closes it. */
  CIRCUIT_RECOVERY_PROBE_MS: millis(250),
  /**
   * A safe request (GET/HEAD, or a POST with an Idempotency-Key) that could not reach its upstream
   * (refused, reset before any answer) is sent once more after this pause.
   */
  UPSTREAM_RETRY_BACKOFF_MS: z.coerce.number().int().min(0).max(10_000).default(250),

  HEALTH_CHECK_TIMEOUT_MS: millis(1_000),
  /** GET /health reuses a round of readiness probes this long after it ends (0: calls share only a running round). */
  HEALTH_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  OPENAPI_CACHE_MS: z.coerce.number().int().min(0).default(30_000),
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  // A hop count trusted whoever connected; silently ignoring it would hide that the meaning changed.
  if (env.TRUST_PROXY_HOPS) {
    throw new ConfigError(
      'Invalid configuration: TRUST_PROXY_HOPS is no longer read; list the proxy addresses in TRUST_PROXY (e.g. loopback)',
    );
  }
  return loadConfig(gatewayEnvShape, env);
}

/** "100kb" → 102400; the format is already checked by the BODY_LIMIT schema. */
export function parseByteSize(value: string): number {
  const match = /^(\d+)(b|kb|mb)$/i.exec(value);
  if (!match) throw new Error(`not a byte size: ${value}`);
  const units: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };
  return Number(match[1]) * units[match[2]!.toLowerCase()]!;
}
