import { CLIENT_ADDRESS_HEADER, HttpError, metricsFactory, type ServiceMetrics } from '@ecom/service-kit';
import { randomUUID } from 'node:crypto';
import { ipKeyGenerator } from 'express-rate-limit';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request, RequestHandler } from 'express';
import type { Counter } from 'prom-client';
import { classifyUpstreamFailure, outcomeUnknown, type UpstreamOutcome } from '../resilience/upstream-errors';
import type { Forward } from './forwarder';
import { bufferBody, hasBody } from './replayable-body';
import { isRetrySafe, isWrite, mayHaveBeenDone, mayTryAgain, neverSent } from './retry-policy';
import type { Upstream } from './upstreams';

export type UpstreamRequestCounter = Counter<'upstream' | 'outcome'>;

export function createUpstreamRequestCounter(metrics: ServiceMetrics): UpstreamRequestCounter {
  return metricsFactory(metrics.registry).counter(
    'gateway_upstream_requests_total',
    'Requests the gateway sent (or refused to send) upstream, by upstream and outcome',
    ['upstream', 'outcome'],
  );
}

/**
 * Headers the upstream sees: our request id (so one id follows the call), the client's address as
 * the gateway saw it (replacing any value the client sent: limits per address trust it), never
 * internal secrets. The address is keyed like the rate limiter's: an IPv6 client is its /56.
 */
function prepareUpstreamHeaders(req: Request): void {
  if (typeof req.id === 'string') req.headers['x-request-id'] = req.id;
  delete req.headers['x-internal-token'];
  req.headers[CLIENT_ADDRESS_HEADER] = ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
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
 * Sends the request through the upstream's circuit breaker to one of its replicas; failures become
 * JSON 502/503/504. A request that could not reach a replica (see mayTryAgain) goes to the next
 * one at once, and once every replica was tried, once more after a short pause: a drain or a
 * crash of one replica costs the client nothing, a restart of the only one a little latency. The
 * breaker sees the request's final outcome only, so a dead replica next to a live one never
 * counts against the service.
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
    // http-proxy rewrites req.url and appends to the X-Forwarded-* headers in place: every
    // attempt starts from the original.
    const original = { url: req.url, headers: { ...req.headers } };

    async function forwardToAReplica(): Promise<void> {
      const tried = new Set<string>();
      let paused = false;
      for (;;) {
        const replica = await upstream.replicas.next(tried);
        req.url = original.url;
        req.headers = { ...original.headers };
        try {
          const forwarded = await forward(req, res, replica);
          if (forwarded.replicaClosing) upstream.replicas.setAside(replica, 'draining');
          return;
        } catch (error) {
          maybeDone ||= mayHaveBeenDone(error);
          if (!mayTryAgain(error, retrySafe) || res.headersSent || req.socket.destroyed) throw error;
          upstream.replicas.setAside(replica, neverSent(error) ? 'refused' : 'broken');
          tried.add(replica);
          if (tried.size >= (await upstream.replicas.origins()).length) {
            if (paused) throw error;
            paused = true;
            tried.clear();
            await sleep(options.retryBackoffMs);
          }
          count('retried');
        }
      }
    }

    try {
      // Every body is read first: a request refused by one replica is then sent whole to the next.
      if (hasBody(req)) await bufferBody(req, options.maxBodyBytes, options.bodyTimeoutMs);
      await upstream.circuit.run(forwardToAReplica);
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
