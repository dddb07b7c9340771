import compression from 'compression';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { privateByDefault } from './cache-control';
import type { AccessLogMode } from './config';
import { errorHandler, notFoundHandler } from './error-handler';
import { HttpError } from './errors';
import {
  createLifecycle,
  type HealthCheck,
  type Lifecycle,
  livenessHandler,
  readinessHandler,
} from './health';
import { metricsEndpoint, metricsMiddleware, type ServiceMetrics } from './metrics';
import { methodNotAllowedHandler, type RouteDoc, undocumentedQueryHandler } from './openapi';
import { requestLogger } from './request-logging';

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  metrics: ServiceMetrics;
  lifecycle?: Lifecycle;
  readinessChecks?: Record<string, HealthCheck>;
  corsOrigins?: string[];
  /** Max JSON body size (express/body-parser syntax); false leaves the body unread, as a proxy needs. */
  jsonBodyLimit?: string | false;
  /** Addresses/subnets of the reverse proxies whose X-Forwarded-For is believed; none by default. */
  trustedProxies?: string[];
  /**
   * The public routes as documented: a documented path asked with another method gets 405 + Allow,
   * and a query parameter on a route that documents none gets 400.
   */
  documentedRoutes?: Array<Pick<RouteDoc, 'method' | 'path' | 'query'>>;
  /** Default all (see requestLogger). */
  accessLog?: AccessLogMode;
  /**
   * Default true. false: no compression middleware on every answer; a proxy whose upstreams
   * compress their own answers only pays for wrapping every response.
   */
  compression?: boolean;
  /** Replaces the default GET /health (the gateway reports on its upstreams too). */
  healthHandler?: express.RequestHandler;
}

function corsOptions(origins: string[] | undefined): cors.CorsOptions {
  if (!origins || origins.includes('*')) return { origin: true, exposedHeaders: EXPOSED_HEADERS };
  return { origin: origins, exposedHeaders: EXPOSED_HEADERS };
}

const EXPOSED_HEADERS = [
  'X-Request-Id',
  'X-Cache',
  'Retry-After',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'RateLimit',
  'RateLimit-Policy',
  'Idempotent-Replayed',
  'Location',
];

/** gzip/deflate for answers of 1 kB and more (smaller ones do not pay for the work). */
export function compressAnswers(): express.RequestHandler {
  return compression({ threshold: 1024 });
}

/**
 * A body declared as anything but JSON (text/plain, a form) is refused as such with 415: the JSON
 * parser would skip it and the route would answer 400 for every field as if none had been sent.
 * A request without content is left alone whatever its Content-Type says.
 */
const refuseNonJsonBodies: express.RequestHandler = (req, _res, next) => {
  const hasContent =
    Number(req.headers['content-length']) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasContent && req.headers['content-type'] !== undefined && !req.is('application/json')) {
    throw new HttpError(415, 'Request body must be application/json');
  }
  next();
};

/**
 * Builds a service's Express app with the plumbing every service shares; `mountRoutes` adds the
 * business routes between the common middleware and the 404/error handlers. Never listens.
 */
export function createHttpApp(options: HttpAppOptions, mountRoutes: (app: Express) => void): Express {
  const app = express();
  const lifecycle = options.lifecycle ?? createLifecycle();
  app.disable('x-powered-by');
  const trusted = options.trustedProxies ?? [];
  app.set('trust proxy', trusted.length > 0 ? trusted : false);
  app.set('query parser', 'simple');
  // No ETag from hashing each body: routes that can be revalidated set a deliberate one.
  app.set('etag', false);

  app.use(requestLogger(options.logger, options.accessLog));
  app.use(metricsMiddleware(options.metrics));
  // HSTS is the TLS terminator's to send (nginx, in production only): from here it would reach
  // plain-HTTP and localhost answers too, and pin a developer's localhost to HTTPS.
  app.use(helmet({ strictTransportSecurity: false }));
  app.use(cors(corsOptions(options.corsOrigins)));
  if (options.compression !== false) app.use(compressAnswers());
  app.use(privateByDefault);

  app.get('/health', options.healthHandler ?? livenessHandler(options.service));
  app.get('/ready', readinessHandler(options.readinessChecks ?? {}, lifecycle));
  app.get('/metrics', metricsEndpoint(options.metrics));

  if (options.jsonBodyLimit !== false) {
    app.use(refuseNonJsonBodies);
    app.use(express.json({ limit: options.jsonBodyLimit ?? '100kb' }));
  }
  if (options.documentedRoutes) app.use(undocumentedQueryHandler(options.documentedRoutes));
  mountRoutes(app);
  if (options.documentedRoutes) app.use(methodNotAllowedHandler(options.documentedRoutes));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
