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

const ROUTE = Symbol('route');
const ROUTE_PATTERN = Symbol('routePattern');
type TrackedRequest = Request & { [ROUTE]?: unknown; [ROUTE_PATTERN]?: string };
const trackedPrototypes = new WeakSet<object>();

/**
 * Labels requests with the matched route pattern (`/products/:id`), never the raw URL, so ids in
 * paths cannot blow up the number of series. Express restores `req.baseUrl` when a mounted router
 * hands over to the error handler, so the full pattern is captured at the moment the router
 * assigns `req.route`, while the router's base path is still known. The accessor that does it is
 * defined once on the app's request prototype: one defined on every request gave each request
 * object a shape of its own, and every later property read paid for it (35 µs of CPU a request).
 */
function trackRoutePatterns(req: Request): void {
  const prototype = Object.getPrototypeOf(req) as object;
  if (trackedPrototypes.has(prototype)) return;
  trackedPrototypes.add(prototype);
  Object.defineProperty(prototype, 'route', {
    configurable: true,
    get(this: TrackedRequest) {
      return this[ROUTE];
    },
    set(this: TrackedRequest, route: { path?: unknown } | undefined) {
      this[ROUTE] = route;
      if (typeof route?.path === 'string') this[ROUTE_PATTERN] = `${this.baseUrl}${route.path}`;
    },
  });
}

export function metricsMiddleware(metrics: ServiceMetrics): RequestHandler {
  return (req, res, next) => {
    const stopTimer = metrics.httpDuration.startTimer();
    trackRoutePatterns(req);
    res.once('finish', () => {
      const route = (req as TrackedRequest)[ROUTE_PATTERN] ?? 'unmatched';
      stopTimer({ method: req.method, route, status_code: String(res.statusCode) });
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
