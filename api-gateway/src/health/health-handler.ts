import type { Redis } from '@ecom/service-kit';
import type { RequestHandler } from 'express';
import type { Upstream, Upstreams } from '../proxy/upstreams';
import type { GatewayHealth, ReplicaHealth, UpstreamHealth } from './health-schema';
import { probeReadiness } from './probe-readiness';

async function replicaHealth(origin: string, timeoutMs: number): Promise<ReplicaHealth> {
  const probe = await probeReadiness(origin, timeoutMs);
  const health: ReplicaHealth = {
    url: origin,
    status: probe.ready ? 'up' : 'down',
    latencyMs: probe.latencyMs,
  };
  if (probe.httpStatus !== undefined) health.httpStatus = probe.httpStatus;
  if (probe.error) health.error = probe.error;
  return health;
}

/**
 * A service is up while one of its replicas is ready (the gateway sends its requests there) and
 * its circuit is not open. The top-level latency, status and error are the first ready replica's,
 * else the first one's; every replica is listed.
 */
async function upstreamHealth(upstream: Upstream, timeoutMs: number): Promise<UpstreamHealth> {
  const origins = await upstream.replicas.origins();
  const replicas = await Promise.all(origins.map((origin) => replicaHealth(origin, timeoutMs)));
  const circuit = upstream.circuit.state;
  const shown = replicas.find((replica) => replica.status === 'up') ?? replicas[0]!;
  // An open circuit means the gateway is refusing that traffic right now, whatever /ready says.
  const up = shown.status === 'up' && circuit !== 'open';
  const { url: _url, status: _status, ...probe } = shown;
  return { status: up ? 'up' : 'down', circuit, ...probe, replicas };
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
