import { HttpError, metricsFactory, type Redis, type ServiceMetrics } from '@ecom/service-kit';
import type { RequestHandler } from 'express';
import { rateLimit, type Logger as RateLimitLogger } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { createObservedStore } from './fail-open-store';
import { createPreallocatingStore } from './preallocating-store';

export interface RateLimitSettings {
  windowMs: number;
  generalMax: number;
  authMax: number;
  /** Shared by every replica, so they count against the same Redis keys. */
  keyPrefix: string;
}

interface LimiterCounters {
  rejected: Counter<'limiter'>;
  storeErrors: Counter<'limiter'>;
}

function createCounters(metrics: ServiceMetrics): LimiterCounters {
  const { counter } = metricsFactory(metrics.registry);
  return {
    rejected: counter('gateway_rate_limit_rejections_total', 'Requests answered with 429, by limiter', [
      'limiter',
    ]),
    storeErrors: counter(
      'gateway_rate_limit_store_errors_total',
      'Rate-limit store (Redis) failures; those requests were let through unlimited',
      ['limiter'],
    ),
  };
}

/**
 * express-rate-limit reports configuration mistakes (ValidationError) and each store failure
 * through this logger. Store failures are already logged once per outage by ObservedStore.
 */
function libraryLogger(logger: Logger): RateLimitLogger {
  const isValidation = (error: unknown) => String((error as { code?: unknown })?.code).startsWith('ERR_ERL_');
  return {
    warn: (error, message) => logger.warn({ err: error }, message ?? 'express-rate-limit warning'),
    error: (error, message) =>
      isValidation(error)
        ? logger.error({ err: error }, message ?? 'express-rate-limit misconfiguration')
        : logger.debug({ err: error }, message ?? 'express-rate-limit store error'),
  };
}

function createLimiter(
  name: 'general' | 'auth',
  limit: number,
  settings: RateLimitSettings,
  deps: { redis: Redis; logger: Logger; counters: LimiterCounters },
): RequestHandler {
  const { logger, counters } = deps;
  // Blocks of hits taken from the shared Redis counter, not a round trip per request.
  const shared = createPreallocatingStore({
    redis: deps.redis,
    prefix: `${settings.keyPrefix}${name}:`,
    limit,
  });
  const store = createObservedStore(shared, {
    onError: () => counters.storeErrors.inc({ limiter: name }),
    onOutage: (error) =>
      logger.error({ err: error, limiter: name }, 'rate-limit store unavailable: letting requests through'),
    onRecovery: () => logger.info({ limiter: name }, 'rate-limit store available again'),
  });
  const windowSeconds = Math.ceil(settings.windowMs / 1000);
  return rateLimit({
    windowMs: settings.windowMs,
    limit,
    identifier: name,
    // X-RateLimit-* for existing clients, plus the IETF draft-8 RateLimit / RateLimit-Policy pair.
    legacyHeaders: true,
    standardHeaders: 'draft-8',
    store,
    passOnStoreError: true,
    logger: libraryLogger(logger),
    // Retry-After is already set by the library when we get here.
    handler: (_req, _res, next) => {
      counters.rejected.inc({ limiter: name });
      next(
        new HttpError(429, 'Too many requests, please try again later', {
          details: { limiter: name, limit, windowSeconds },
        }),
      );
    },
  });
}

export interface RateLimiters {
  general: RequestHandler;
  auth: RequestHandler;
}

export function createRateLimiters(
  settings: RateLimitSettings,
  deps: { redis: Redis; logger: Logger; metrics: ServiceMetrics },
): RateLimiters {
  const counters = createCounters(deps.metrics);
  for (const limiter of ['general', 'auth']) {
    counters.rejected.inc({ limiter }, 0);
    counters.storeErrors.inc({ limiter }, 0);
  }
  const shared = { redis: deps.redis, logger: deps.logger, counters };
  return {
    general: createLimiter('general', settings.generalMax, settings, shared),
    auth: createLimiter('auth', settings.authMax, settings, shared),
  };
}
