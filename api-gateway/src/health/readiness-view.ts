import type { Upstream, Upstreams } from '../proxy/upstreams';
import type { ReplicaHealth } from './health-schema';
import { probeReadiness } from './probe-readiness';

export const UPSTREAM_NAMES = ['user', 'product', 'order'] as const;
type UpstreamName = (typeof UPSTREAM_NAMES)[number];
export type ReadinessRound = Record<UpstreamName, ReplicaHealth[]>;

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

async function probeUpstream(upstream: Upstream, timeoutMs: number): Promise<ReplicaHealth[]> {
  const origins = await upstream.replicas.origins();
  return Promise.all(origins.map((origin) => replicaHealth(origin, timeoutMs)));
}

/**
 * The replicas' readiness as last probed, shared by every GET /health for `maxAgeMs` after a
 * round ends: /health is public, and probing every service per call turned a burst of calls into
 * a burst of /ready requests that timed out and reported a healthy stack as degraded. Calls during
 * a round wait for that round. A circuit changing state drops the view, so the next call probes.
 */
export interface ReadinessView {
  /** The last round if still fresh (or under way), else a new one. */
  current(): Promise<ReadinessRound>;
}

export function createReadinessView(
  upstreams: Upstreams,
  options: { maxAgeMs: number; timeoutMs: number },
): ReadinessView {
  let round: { promise: Promise<ReadinessRound>; finishedAt?: number } | undefined;
  for (const name of UPSTREAM_NAMES) upstreams.get(name).circuit.onChange(() => (round = undefined));

  function probe(): Promise<ReadinessRound> {
    const started: { promise: Promise<ReadinessRound>; finishedAt?: number } = {
      promise: Promise.all(
        UPSTREAM_NAMES.map((name) => probeUpstream(upstreams.get(name), options.timeoutMs)),
      ).then(([user, product, order]) => ({ user: user!, product: product!, order: order! })),
    };
    // probeReadiness never rejects: a round always finishes.
    void started.promise.then(() => (started.finishedAt = Date.now()));
    round = started;
    return started.promise;
  }

  return {
    current() {
      const fresh =
        round && (round.finishedAt === undefined || Date.now() - round.finishedAt < options.maxAgeMs);
      if (round && fresh) return round.promise;
      return probe();
    },
  };
}
