import type { Redis } from '@ecom/service-kit';
import type { RequestHandler } from 'express';
import type { UpstreamCircuit } from '../resilience/upstream-circuit';
import type { Upstreams } from '../proxy/upstreams';
import type { GatewayHealth, ReplicaHealth, UpstreamHealth } from './health-schema';
import { createReadinessView, UPSTREAM_NAMES } from './readiness-view';

/**
 * A service is up while one of its replicas is ready (the gateway sends its requests there) and
 * its circuit is not open. The top-level latency, status and error are the first ready replica's,
 * else the first one's; every replica is listed.
 */
function upstreamHealth(replicas: ReplicaHealth[], circuit: UpstreamCircuit): UpstreamHealth {
  const state = circuit.state;
  const shown = replicas.find((replica) => replica.status === 'up') ?? replicas[0]!;
  // An open circuit means the gateway is refusing that traffic right now, whatever /ready says.
  const up = shown.status === 'up' && state !== 'open';
  const { url: _url, status: _status, ...probe } = shown;
  return { status: up ? 'up' : 'down', circuit: state, ...probe, replicas };
}

/**
 * GET /health: the gateway plus each upstream's readiness (as probed at most every `cacheMs`, see
 * ReadinessView) and its circuit as it is now; 503 when any upstream is down. Load balancers
 * should use /ready instead, which does not fail a gateway for a broken upstream.
 */
export function gatewayHealthHandler(deps: {
  upstreams: Upstreams;
  redis: Redis;
  timeoutMs: number;
  cacheMs: number;
}): RequestHandler {
  const view = createReadinessView(deps.upstreams, { maxAgeMs: deps.cacheMs, timeoutMs: deps.timeoutMs });
  return async (_req, res) => {
    const round = await view.current();
    const [user, product, order] = UPSTREAM_NAMES.map((name) =>
      upstreamHealth(round[name], deps.upstreams.get(name).circuit),
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
