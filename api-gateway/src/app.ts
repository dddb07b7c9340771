import {
  accessTokenVerifierFrom,
  createHttpApp,
  Lifecycle,
  type Logger,
  type Redis,
  type ServiceMetrics,
} from '@ecom/service-kit';
import type { Express } from 'express';
import { enforceAccess } from './auth/enforce-access';
import { mountJwks } from './auth/jwks-proxy';
import { type GatewayConfig, parseByteSize } from './config';
import { mountDocs } from './docs/docs-routes';
import { gatewayOwnRoutes } from './docs/gateway-document';
import { createOpenApiProvider } from './docs/openapi-provider';
import { gatewayHealthHandler } from './health/health-handler';
import { createForwarder } from './proxy/forwarder';
import { createUpstreamRequestCounter, proxyTo } from './proxy/proxy-route';
import { limitDeclaredBodySize, rejectUnsafePaths } from './proxy/request-guards';
import { API_PREFIX, GATEWAY_ROUTES, mountPath, pathBelowMount, routePattern } from './proxy/routes';
import type { Upstreams } from './proxy/upstreams';
import { createRateLimiters } from './rate-limit/rate-limiters';

export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Connected client; holds the rate-limit counters shared by all replicas. */
  redis: Redis;
  upstreams: Upstreams;
  lifecycle?: Lifecycle;
}

/**
 * The gateway app. Order matters: request id/logging, metrics, helmet/cors/compression and
 * /health, /ready, /metrics come from the kit; then docs; then rate limits; then per route the
 * token check, the body-size check and the proxy. No body parser runs, so bodies reach the
 * upstream byte for byte.
 */
export function createApp(deps: GatewayDeps): Express {
  const { config, logger, metrics, redis, upstreams } = deps;
  const limiters = createRateLimiters(
    {
      windowMs: config.RATE_LIMIT_WINDOW,
      generalMax: config.RATE_LIMIT_MAX,
      authMax: config.AUTH_RATE_LIMIT_MAX,
      keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
    },
    { redis, logger, metrics },
  );
  const requestCounter = createUpstreamRequestCounter(metrics);
  const openApi = createOpenApiProvider({
    upstreams,
    logger,
    cacheMs: config.OPENAPI_CACHE_MS,
    fetchTimeoutMs: config.HEALTH_CHECK_TIMEOUT_MS * 2,
  });
  const verifier = accessTokenVerifierFrom(config, logger);
  const maxBodyBytes = parseByteSize(config.BODY_LIMIT);

  return createHttpApp(
    {
      service: 'api-gateway',
      accessLog: config.ACCESS_LOG,
      // Proxied answers arrive compressed from the services when the client accepts it; wrapping
      // every proxied response in a compressor only costs. The docs compress themselves.
      compression: false,
      logger,
      metrics,
      lifecycle: deps.lifecycle,
      corsOrigins: config.CORS_ORIGINS,
      jsonBodyLimit: false,
      trustedProxies: config.TRUST_PROXY,
      documentedRoutes: gatewayOwnRoutes(),
      healthHandler: gatewayHealthHandler({
        upstreams,
        redis,
        timeoutMs: config.HEALTH_CHECK_TIMEOUT_MS,
        cacheMs: config.HEALTH_CACHE_MS,
      }),
    },
    (app) => {
      mountDocs(app, openApi);
      mountJwks(app, upstreams.get('user'), requestCounter, limiters.general);
      app.use(API_PREFIX, limiters.general);
      app.use(`${API_PREFIX}/auth`, limiters.auth);
      app.use(API_PREFIX, rejectUnsafePaths);
      for (const route of GATEWAY_ROUTES) {
        const upstream = upstreams.get(route.upstream);
        const forward = createForwarder({
          agent: upstream.agent,
          mountPath: mountPath(route),
          pathPrefix: route.prefix,
          timeoutMs: upstream.timeoutMs,
          connectTimeoutMs: upstream.connectTimeoutMs,
          bodyTimeoutMs: config.CLIENT_BODY_TIMEOUT_MS,
        });
        // A real route (not app.use) so metrics label it by its pattern, never by the raw URL.
        app.all(
          routePattern(route),
          enforceAccess(route, verifier),
          limitDeclaredBodySize(maxBodyBytes),
          proxyTo(upstream, forward, requestCounter, {
            maxBodyBytes,
            bodyTimeoutMs: config.CLIENT_BODY_TIMEOUT_MS,
            retryBackoffMs: config.UPSTREAM_RETRY_BACKOFF_MS,
            assignsIdempotencyKey: route.keyedCreates
              ? (req) => req.method === 'POST' && pathBelowMount(route, req.path.replace(/\/+$/, '')) === '/'
              : undefined,
          }),
        );
      }
    },
  );
}
