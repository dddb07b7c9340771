import { classify, type EndpointName, type Outcome } from './endpoints';
import { LatencyHistogram } from './latency-histogram';

export interface Sample {
  endpoint: EndpointName;
  /** performance.now() when the request completed (or failed). */
  completedAt: number;
  /** From the send, or in the open model from the arrival's intended start (see open-model.ts). */
  latencyMs: number;
  /** HTTP status; 0 when no response arrived (connection error, timeout). */
  status: number;
  cache?: 'HIT' | 'MISS';
  /** Network error message, or a snippet of an unexpected response body. */
  error?: string;
}

export interface EndpointRecord {
  latencies: LatencyHistogram;
  outcomes: Record<Outcome, number>;
  statuses: Record<string, number>;
  cacheHits: number;
  cacheMisses: number;
}

export interface SecondBucket {
  requests: number;
  failed: number;
  stockouts: number;
  rateLimited: number;
  latencies: LatencyHistogram;
  activeUsers: number;
}

export interface FailureSample {
  atSeconds: number;
  endpoint: EndpointName;
  status: number;
  error: string;
}

const MAX_FAILURE_SAMPLES = 25;

function emptyRecord(): EndpointRecord {
  return {
    latencies: new LatencyHistogram(),
    outcomes: { ok: 0, stockout: 0, rate_limited: 0, failed: 0 },
    statuses: {},
    cacheHits: 0,
    cacheMisses: 0,
  };
}

/**
 * Collects every measured request. Latency statistics cover requests that got an HTTP response
 * (whatever its status); requests without a response count as failures with status 0.
 */
export class Recorder {
  readonly endpoints = new Map<EndpointName, EndpointRecord>();
  readonly timeline: SecondBucket[] = [];
  readonly failures: FailureSample[] = [];
  total = 0;
  activeUsers = 0;
  lastCompletedAt: number;

  constructor(readonly startedAt: number) {
    this.lastCompletedAt = startedAt;
  }

  record(sample: Sample): Outcome {
    const outcome = classify(sample.endpoint, sample.status);
    let record = this.endpoints.get(sample.endpoint);
    if (!record) {
      record = emptyRecord();
      this.endpoints.set(sample.endpoint, record);
    }
    this.total++;
    record.outcomes[outcome]++;
    const statusKey = sample.status === 0 ? 'network_error' : String(sample.status);
    record.statuses[statusKey] = (record.statuses[statusKey] ?? 0) + 1;
    if (sample.status > 0) record.latencies.record(sample.latencyMs);
    if (sample.cache === 'HIT') record.cacheHits++;
    else if (sample.cache === 'MISS') record.cacheMisses++;
    if (sample.completedAt > this.lastCompletedAt) this.lastCompletedAt = sample.completedAt;

    const bucket = this.bucketAt(sample.completedAt);
    bucket.requests++;
    if (outcome === 'failed') bucket.failed++;
    else if (outcome === 'stockout') bucket.stockouts++;
    else if (outcome === 'rate_limited') bucket.rateLimited++;
    if (sample.status > 0) bucket.latencies.record(sample.latencyMs);

    if (outcome === 'failed' && this.failures.length < MAX_FAILURE_SAMPLES) {
      this.failures.push({
        atSeconds: Math.round((sample.completedAt - this.startedAt) / 10) / 100,
        endpoint: sample.endpoint,
        status: sample.status,
        error: sample.error ?? '',
      });
    }
    return outcome;
  }

  userStarted(at: number): void {
    this.activeUsers++;
    this.bucketAt(at).activeUsers = this.activeUsers;
  }

  userStopped(): void {
    this.activeUsers--;
  }

  /** Seconds from start to the last completed request. */
  elapsedSeconds(): number {
    return Math.max(0.001, (this.lastCompletedAt - this.startedAt) / 1000);
  }

  private bucketAt(at: number): SecondBucket {
    const index = Math.max(0, Math.floor((at - this.startedAt) / 1000));
    while (this.timeline.length <= index) {
      const previous = this.timeline[this.timeline.length - 1];
      this.timeline.push({
        requests: 0,
        failed: 0,
        stockouts: 0,
        rateLimited: 0,
        latencies: new LatencyHistogram(),
        activeUsers: previous ? previous.activeUsers : 0,
      });
    }
    const bucket = this.timeline[index]!;
    if (bucket.activeUsers < this.activeUsers) bucket.activeUsers = this.activeUsers;
    return bucket;
  }
}
