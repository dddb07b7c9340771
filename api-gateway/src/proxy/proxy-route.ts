import type { ServiceMetrics } from '@ecom/service-kit';
import type { Request, RequestHandler } from 'express';
import { Counter } from 'prom-client';
import { classifyUpstreamFailure, type UpstreamOutcome } from '../resilience/upstream-errors';
import type { Forward } from './forwarder';
import type { Upstream } from './upstreams';

export type UpstreamRequestCounter = Counter<'upstream' | 'outcome'>;

export function createUpstreamRequestCounter(metrics: ServiceMetrics): UpstreamRequestCounter {
  return new Counter({
    name: 'gateway_upstream_requests_total',
    help: 'Requests the gateway sent (or refused to send) upstream, by upstream and outcome',
    labelNames: ['upstream', 'outcome'] as const,
    registers: [metrics.registry],
  });
}

/** Headers the upstream sees: our request id (so one id follows the call), never internal secrets. */
function prepareUpstreamHeaders(req: Request): void {
  if (typeof req.id === 'string') req.headers['x-request-id'] = req.id;
  delete req.headers['x-internal-token'];
}

/** Sends the request through the upstream's circuit breaker; failures become JSON 502/503/504. */
export function proxyTo(
  upstream: Upstream,
  forward: Forward,
  counter: UpstreamRequestCounter,
): RequestHandler {
  const count = (outcome: UpstreamOutcome) => counter.inc({ upstream: upstream.name, outcome });
  return async (req, res) => {
    prepareUpstreamHeaders(req);
    try {
      await upstream.circuit.run(() => forward(req, res));
      count('forwarded');
    } catch (error) {
      const failure = classifyUpstreamFailure(error, upstream.name, upstream.circuit.retryAfterSeconds());
      count(failure.outcome);
      if (!failure.httpError || res.headersSent) return;
      throw failure.httpError;
    }
  };
}
