import { Agent } from 'node:http';
import { metricsFactory, readinessProbe, type ServiceMetrics } from '@ecom/service-kit';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config';
import { type CircuitState, UpstreamCircuit } from '../resilience/upstream-circuit';
import { type LookupAll, ReplicaTargets } from './replica-targets';
import { UPSTREAM_NAMES, type UpstreamName } from './routes';

export interface Upstream {
  name: UpstreamName;
  baseUrl: string;
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Keep-alive pool shared by every route to this upstream. */
  agent: Agent;
  /** The next replica's address to send a request to (see ReplicaTargets). */
  targets: ReplicaTargets;
  circuit: UpstreamCircuit;
}

const CIRCUIT_STATE_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

export class Upstreams {
  constructor(private readonly byName: Record<UpstreamName, Upstream>) {}

  get(name: UpstreamName): Upstream {
    return this.byName[name];
  }

  list(): Upstream[] {
    return UPSTREAM_NAMES.map((name) => this.byName[name]);
  }

  close(): void {
    for (const upstream of this.list()) {
      upstream.circuit.shutdown();
      upstream.agent.destroy();
    }
  }
}

function settingsFor(config: GatewayConfig, name: UpstreamName): { baseUrl: string; timeoutMs?: number } {
  switch (name) {
    case 'user':
      return { baseUrl: config.USER_SERVICE_URL, timeoutMs: config.USER_UPSTREAM_TIMEOUT_MS };
    case 'product':
      return { baseUrl: config.PRODUCT_SERVICE_URL, timeoutMs: config.PRODUCT_UPSTREAM_TIMEOUT_MS };
    case 'order':
      return { baseUrl: config.ORDER_SERVICE_URL, timeoutMs: config.ORDER_UPSTREAM_TIMEOUT_MS };
  }
}

/** Circuit state as a gauge read at scrape time, plus a counter of openings for alerting. */
function registerCircuitMetrics(upstreams: Upstreams, metrics: ServiceMetrics): void {
  const { counter, gauge } = metricsFactory(metrics.registry);
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
    const upstream: Upstream = {
      name,
      baseUrl: settings.baseUrl,
      timeoutMs: settings.timeoutMs ?? config.UPSTREAM_TIMEOUT_MS,
      connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
      // LIFO keeps a few sockets hot instead of cycling through many half-idle ones.
      agent: new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32, scheduling: 'lifo' }),
      targets: new ReplicaTargets(settings.baseUrl, config.UPSTREAM_RESOLVE_MS, deps.lookup),
      circuit: new UpstreamCircuit(
        name,
        {
          errorThresholdPercentage: config.CIRCUIT_ERROR_THRESHOLD_PERCENT,
          volumeThreshold: config.CIRCUIT_VOLUME_THRESHOLD,
          rollingCountTimeout: config.CIRCUIT_ROLLING_WINDOW_MS,
          resetTimeout: config.CIRCUIT_RESET_MS,
        },
        deps.logger,
        {
          isReady: readinessProbe(settings.baseUrl, config.HEALTH_CHECK_TIMEOUT_MS),
          intervalMs: config.CIRCUIT_RECOVERY_PROBE_MS,
        },
      ),
    };
    return [name, upstream];
  });
  const upstreams = new Upstreams(Object.fromEntries(entries) as Record<UpstreamName, Upstream>);
  registerCircuitMetrics(upstreams, deps.metrics);
  return upstreams;
}
