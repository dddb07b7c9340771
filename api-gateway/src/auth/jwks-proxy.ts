import type { Express, RequestHandler } from 'express';
import { createForwarder } from '../proxy/forwarder';
import { proxyTo, type UpstreamRequestCounter } from '../proxy/proxy-route';
import type { Upstream } from '../proxy/upstreams';

export const JWKS_PATH = '/.well-known/jwks.json';

/**
 * user-service's public keys at the standard address, outside /api: passed through like any proxied
 * GET (replicas, breaker, retry). The gateway itself verifies with keys it fetches from
 * user-service directly (JWT_JWKS_URL), never through itself.
 */
export function mountJwks(
  app: Express,
  upstream: Upstream,
  counter: UpstreamRequestCounter,
  rateLimit: RequestHandler,
): void {
  const forward = createForwarder({
    agent: upstream.agent,
    mountPath: JWKS_PATH,
    pathPrefix: JWKS_PATH,
    timeoutMs: upstream.timeoutMs,
    connectTimeoutMs: upstream.connectTimeoutMs,
    bodyTimeoutMs: upstream.timeoutMs,
  });
  app.get(
    JWKS_PATH,
    rateLimit,
    proxyTo(upstream, forward, counter, {
      maxBodyBytes: 0,
      bodyTimeoutMs: upstream.timeoutMs,
      retryBackoffMs: 0,
    }),
  );
}
