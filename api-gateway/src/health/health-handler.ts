import type { Redis } from '@ecom/service-kit';
import type { RequestHandler } from 'express';
import type { Upstream, Upstreams } from '../proxy/upstreams';
import type { GatewayHealth, UpstreamHealth } from './health-schema';
import { probeReadiness } from './probe-readiness';

async function upstreamHealth(upstream: Upstream, timeoutMs: number): Promise<UpstreamHealth> {
  const probe = await probeReadiness(upstream.baseUrl, timeoutMs);
  const circuit = upstream.circuit.state;
  // An open circuit means the gateway is refusing that traffic right now, whatever /ready says.
  const up = probe.ready && circuit !== 'open';
  const health: UpstreamHealth = { status: up ? 'up' : 'down', circuit, latencyMs: probe.latencyMs };
  if (probe.httpStatus !== undefined) health.httpStatus = probe.httpStatus;
  if (probe.error) health.error = probe.error;
  return health;
}

/**
 * GET /health: the gateway plus each upstream's readiness; 503 when any upstream is down. Load
 * balancers should use /ready instead, which does not fail a gateway for a broken upstream.
 */
export function gatewayHealthHandler(deps: {
  upstreams: Upstreams;
  redis: Redis;
  timeoutMs: number;
}): RequestHandler {
  return async (_req, res) => {
    const [user, product, order] = await Promise.all(
      (['user', 'product', 'order'] as const).map((name) =>
        upstreamHealth(deps.upstreams.get(name), deps.timeoutMs),
      ),
    );
    const services = { user: user!, product: product!, order: order! };
    const healthy = Object.values(services).every((service) => service.status === 'up');
    const body: GatewayHealth = {
      status: healthy ? 'ok' : 'degraded',
      service: 'api-gateway',
      services,
      rateLimitStore: deps.redis.status === 'ready' ? 'up' : 'down',
      uptime: process.uptime(),
      timestamp: new Date().toISOString(),
    };
    res.status(healthy ? 200 : 503).json(body);
  };
}
