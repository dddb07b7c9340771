import { ENDPOINT_NAMES, ENDPOINTS, GROUPS, type EndpointName } from './endpoints';
import type { FailureSample, Recorder } from './recorder';
import { LatencyHistogram } from './latency-histogram';
import type { LatencySummary } from './stats';

export interface CacheCounts {
  hits: number;
  misses: number;
  /** hits / (hits + misses); null when nothing was looked up. */
  hitRatio: number | null;
}

export interface Summary {
  name: string;
  label: string;
  requests: number;
  rps: number;
  ok: number;
  failed: number;
  stockouts: number;
  rateLimited: number;
  /** ok / requests. Stock-outs and 429s are neither success nor failure: they are listed apart. */
  successRate: number;
  latency: LatencySummary;
  statuses: Record<string, number>;
  cache?: CacheCounts;
}

export interface TimelinePoint {
  second: number;
  activeUsers: number;
  requests: number;
  failed: number;
  stockouts: number;
  rateLimited: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface RecorderSummary {
  elapsedSec: number;
  overall: Summary;
  groups: Summary[];
  endpoints: Summary[];
  timeline: TimelinePoint[];
  failures: FailureSample[];
}

export function cacheCounts(hits: number, misses: number): CacheCounts {
  const looked = hits + misses;
  return { hits, misses, hitRatio: looked === 0 ? null : Math.round((hits / looked) * 10_000) / 10_000 };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

function combine(name: string, label: string, members: EndpointName[], recorder: Recorder, elapsed: number) {
  let ok = 0;
  let failed = 0;
  let stockouts = 0;
  let rateLimited = 0;
  let hits = 0;
  let misses = 0;
  const statuses: Record<string, number> = {};
  const latencies = new LatencyHistogram();
  for (const endpoint of members) {
    const record = recorder.endpoints.get(endpoint);
    if (!record) continue;
    ok += record.outcomes.ok;
    failed += record.outcomes.failed;
    stockouts += record.outcomes.stockout;
    rateLimited += record.outcomes.rate_limited;
    hits += record.cacheHits;
    misses += record.cacheMisses;
    for (const [status, count] of Object.entries(record.statuses))
      statuses[status] = (statuses[status] ?? 0) + count;
    latencies.add(record.latencies);
  }
  const requests = ok + failed + stockouts + rateLimited;
  const summary: Summary = {
    name,
    label,
    requests,
    rps: round2(requests / elapsed),
    ok,
    failed,
    stockouts,
    rateLimited,
    successRate: requests === 0 ? 1 : Math.round((ok / requests) * 10_000) / 10_000,
    latency: latencies.summary(),
    statuses,
  };
  if (hits + misses > 0) summary.cache = cacheCounts(hits, misses);
  return summary;
}

export function summarizeRecorder(recorder: Recorder): RecorderSummary {
  const elapsed = recorder.elapsedSeconds();
  const endpoints = ENDPOINT_NAMES.filter((name) => recorder.endpoints.has(name)).map((name) =>
    combine(name, ENDPOINTS[name].label, [name], recorder, elapsed),
  );
  const groups = GROUPS.map((group) =>
    combine(
      group,
      group,
      ENDPOINT_NAMES.filter((name) => ENDPOINTS[name].group === group),
      recorder,
      elapsed,
    ),
  );
  const overall = combine('overall', 'overall', ENDPOINT_NAMES, recorder, elapsed);
  const timeline = recorder.timeline.map((bucket, second) => {
    const latency = bucket.latencies.summary();
    return {
      second,
      activeUsers: bucket.activeUsers,
      requests: bucket.requests,
      failed: bucket.failed,
      stockouts: bucket.stockouts,
      rateLimited: bucket.rateLimited,
      p50: latency.p50,
      p95: latency.p95,
      p99: latency.p99,
      max: latency.max,
    };
  });
  return {
    elapsedSec: Math.round(elapsed * 1000) / 1000,
    overall,
    groups,
    endpoints,
    timeline,
    failures: [...recorder.failures],
  };
}
