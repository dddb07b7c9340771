import type { Request, RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ServiceMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
}

export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const httpDuration = metricsFactory(registry).histogram(
    'http_request_duration_seconds',
    'HTTP request latency by method, route pattern and status code',
    ['method', 'route', 'status_code'],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  return { registry, httpDuration };
}

/**
 * Creates metrics on one registry, one call each: name, help, label names (none by default) and,
 * for a gauge read at scrape time, the function that sets it. Every service's business metrics
 * are declared this way, so they all land on the registry `/metrics` serves.
 */
export function metricsFactory(registry: Registry) {
  const registers = [registry];
  return {
    counter: <L extends string = string>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Counter<L>({ name, help, labelNames, registers }),
    gauge: <L extends string = string>(
      name: string,
      help: string,
      labelNames: readonly L[] = [],
      collect?: (gauge: Gauge<L>) => void,
    ) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers,
        ...(collect && {
          collect(this: Gauge<L>) {
            collect(this);
          },
        }),
      }),
    histogram: <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
      new Histogram<L>({ name, help, labelNames, buckets, registers }),
  };
}

/**
 * Labels requests with the matched route pattern (`/products/:id`), never the raw URL, so ids in
 * paths cannot blow up the number of series. Express restores `req.baseUrl` when a mounted router
 * hands over to the error handler, so the full pattern is captured at the moment the router
 * assigns `req.route`, while the router's base path is still known.
 */
function trackRoutePattern(req: Request): () => string {
  let current: unknown;
  let pattern = 'unmatched';
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (route: { path?: unknown } | undefined) => {
      current = route;
      if (typeof route?.path === 'string') pattern = `${req.baseUrl}${route.path}`;
    },
  });
  return () => pattern;
}

export function metricsMiddleware(metrics: ServiceMetrics): RequestHandler {
  return (req, res, next) => {
    const stopTimer = metrics.httpDuration.startTimer();
    const routePattern = trackRoutePattern(req);
    res.once('finish', () => {
      stopTimer({ method: req.method, route: routePattern(), status_code: String(res.statusCode) });
    });
    next();
  };
}

export function metricsEndpoint(metrics: ServiceMetrics): RequestHandler {
  return async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  };
}
