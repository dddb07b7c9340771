import { Agent } from 'node:http';
import { metricsFactory, readinessProbe, type ServiceMetrics } from '@ecom/service-kit';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config';
import {
  type CircuitState,
  createUpstreamCircuit,
  type UpstreamCircuit,
} from '../resilience/upstream-circuit';
import { createReplicaPool, type ReplicaPool } from './replica-pool';
import type { LookupAll } from './replica-targets';
import { UPSTREAM_NAMES, type UpstreamName } from './routes';

export interface Upstream {
  name: UpstreamName;
  /** As configured: one URL per replica, or names that resolve to several. */
  baseUrls: string[];
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Keep-alive pool shared by every route to this upstream. */
  agent: Agent;
  /** The replicas, and which of them take requests (see ReplicaPool). */
  replicas: ReplicaPool;
  circuit: UpstreamCircuit;
}

const CIRCUIT_STATE_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

export interface Upstreams {
  get(name: UpstreamName): Upstream;
  /** Every upstream, in UPSTREAM_NAMES order. */
  list(): Upstream[];
  /** Stops the probes and circuits and closes the pooled sockets. */
  close(): void;
}

function upstreamsOf(byName: Record<UpstreamName, Upstream>): Upstreams {
  const list = () => UPSTREAM_NAMES.map((name) => byName[name]);
  return {
    get: (name) => byName[name],
    list,
    close() {
      for (const upstream of list()) {
        upstream.replicas.close();
        upstream.circuit.shutdown();
        upstream.agent.destroy();
      }
    },
  };
}

function settingsFor(config: GatewayConfig, name: UpstreamName): { baseUrls: string[]; timeoutMs?: number } {
  switch (name) {
    case 'user':
      return { baseUrls: config.USER_SERVICE_URL, timeoutMs: config.USER_UPSTREAM_TIMEOUT_MS };
    case 'product':
      return { baseUrls: config.PRODUCT_SERVICE_URL, timeoutMs: config.PRODUCT_UPSTREAM_TIMEOUT_MS };
    case 'order':
      return { baseUrls: config.ORDER_SERVICE_URL, timeoutMs: config.ORDER_UPSTREAM_TIMEOUT_MS };
  }
}

/**
 * Circuit state and replicas in the rotation as gauges read at scrape time, plus a counter of
 * openings for alerting.
 */
function registerUpstreamMetrics(upstreams: Upstreams, metrics: ServiceMetrics): void {
  const { counter, gauge } = metricsFactory(metrics.registry);
  gauge(
    'gateway_upstream_replicas',
    'Replicas per upstream, in the rotation or set aside (refused, draining, not ready)',
    ['upstream', 'state'],
    (state) => {
      for (const upstream of upstreams.list()) {
        const counts = upstream.replicas.counts();
        state.set({ upstream: upstream.name, state: 'in_rotation' }, counts.inRotation);
        state.set({ upstream: upstream.name, state: 'set_aside' }, counts.setAside);
      }
    },
  );
  gauge(
    'gateway_circuit_state',
    'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open',
    ['upstream'],
    (state) => {
      for (const upstream of upstreams.list()) {
        state.set({ upstream: upstream.name }, CIRCUIT_STATE_VALUE[upstream.circuit.state]);
      }
    },
  );
  const opened = counter('gateway_circuit_opened_total', 'Times a circuit breaker opened, per upstream', [
    'upstream',
  ]);
  for (const upstream of upstreams.list()) {
    opened.inc({ upstream: upstream.name }, 0);
    upstream.circuit.onOpen(() => opened.inc({ upstream: upstream.name }));
  }
}

export function createUpstreams(
  config: GatewayConfig,
  deps: { logger: Logger; metrics: ServiceMetrics; lookup?: LookupAll },
): Upstreams {
  const entries = UPSTREAM_NAMES.map((name): [UpstreamName, Upstream] => {
    const settings = settingsFor(config, name);
    const replicas = createReplicaPool(name, settings.baseUrls, {
      refreshMs: config.UPSTREAM_RESOLVE_MS,
      isReady: (origin) => readinessProbe(origin, config.HEALTH_CHECK_TIMEOUT_MS)(),
      probeEveryMs: config.UPSTREAM_PROBE_MS,
      lookup: deps.lookup,
      logger: deps.logger,
    });
    replicas.start();
    const upstream: Upstream = {
      name,
      baseUrls: settings.baseUrls,
      timeoutMs: settings.timeoutMs ?? config.UPSTREAM_TIMEOUT_MS,
      connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
      // LIFO keeps a few sockets hot instead of cycling through many half-idle ones.
      agent: new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32, scheduling: 'lifo' }),
      replicas,
      circuit: createUpstreamCircuit(
        name,
        {
          errorThresholdPercentage: config.CIRCUIT_ERROR_THRESHOLD_PERCENT,
          volumeThreshold: config.CIRCUIT_VOLUME_THRESHOLD,
          rollingCountTimeout: config.CIRCUIT_ROLLING_WINDOW_MS,
          resetTimeout: config.CIRCUIT_RESET_MS,
        },
        deps.logger,
        {
          // The service is back as soon as one of its replicas is.
          isReady: () => replicas.anyReady(),
          intervalMs: config.CIRCUIT_RECOVERY_PROBE_MS,
        },
      ),
    };
    return [name, upstream];
  });
  const upstreams = upstreamsOf(Object.fromEntries(entries) as Record<UpstreamName, Upstream>);
  registerUpstreamMetrics(upstreams, deps.metrics);
  return upstreams;
}
