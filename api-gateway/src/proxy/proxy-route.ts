import { HttpError, metricsFactory, type ServiceMetrics } from '@ecom/service-kit';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request, RequestHandler } from 'express';
import type { Counter } from 'prom-client';
import { classifyUpstreamFailure, outcomeUnknown, type UpstreamOutcome } from '../resilience/upstream-errors';
import type { Forward } from './forwarder';
import { bufferBody, hasBody } from './replayable-body';
import { isRetrySafe, isWrite, mayHaveBeenDone, neverAnswered } from './retry-policy';
import type { Upstream } from './upstreams';

export type UpstreamRequestCounter = Counter<'upstream' | 'outcome'>;

export function createUpstreamRequestCounter(metrics: ServiceMetrics): UpstreamRequestCounter {
  return metricsFactory(metrics.registry).counter(
    'gateway_upstream_requests_total',
    'Requests the gateway sent (or refused to send) upstream, by upstream and outcome',
    ['upstream', 'outcome'],
  );
}

/** Headers the upstream sees: our request id (so one id follows the call), never internal secrets. */
function prepareUpstreamHeaders(req: Request): void {
  if (typeof req.id === 'string') req.headers['x-request-id'] = req.id;
  delete req.headers['x-internal-token'];
}

export interface ProxyOptions {
  maxBodyBytes: number;
  /** The whole body of a request that is read before forwarding must arrive within this. */
  bodyTimeoutMs: number;
  retryBackoffMs: number;
  /**
   * Requests that get an Idempotency-Key from the gateway when the client sent none (placing an
   * order): if the exchange breaks, the client learns the key to repeat the request with, and the
   * request becomes safe to retry.
   */
  assignsIdempotencyKey?: (req: Request) => boolean;
}

/**
 * Sends the request through the upstream's circuit breaker; failures become JSON 502/503/504.
 * A retry-safe request that never got an answer is sent once more after a short pause: a restart
 * or a drain of the upstream then costs the client a little latency instead of an error.
 */
export function proxyTo(
  upstream: Upstream,
  forward: Forward,
  counter: UpstreamRequestCounter,
  options: ProxyOptions,
): RequestHandler {
  const count = (outcome: UpstreamOutcome) => counter.inc({ upstream: upstream.name, outcome });
  return async (req, res) => {
    prepareUpstreamHeaders(req);
    if (options.assignsIdempotencyKey?.(req) && req.get('idempotency-key') === undefined) {
      req.headers['idempotency-key'] = randomUUID();
    }
    const retrySafe = isRetrySafe(req);
    let maybeDone = false;
    // http-proxy-middleware rewrites req.url in place; a second attempt starts from the original.
    const url = req.url;
    const attempt = () => upstream.circuit.run(() => forward(req, res));
    try {
      if (retrySafe && hasBody(req)) await bufferBody(req, options.maxBodyBytes, options.bodyTimeoutMs);
      try {
        await attempt();
      } catch (error) {
        maybeDone = mayHaveBeenDone(error);
        if (!retrySafe || !neverAnswered(error) || res.headersSent || req.socket.destroyed) throw error;
        count('retried');
        await sleep(options.retryBackoffMs);
        req.url = url;
        await attempt();
      }
      count('forwarded');
    } catch (error) {
      if (error instanceof HttpError) throw error;
      const failure =
        isWrite(req) && (maybeDone || mayHaveBeenDone(error))
          ? outcomeUnknown(error, upstream.name, req.get('idempotency-key'))
          : classifyUpstreamFailure(error, upstream.name, upstream.circuit.retryAfterSeconds());
      count(failure.outcome);
      if (!failure.httpError || res.headersSent) return;
      throw failure.httpError;
    }
  };
}
