import { request } from 'undici';
import { parsePrometheus, processSnapshot, type ProcessSnapshot } from './prometheus';
import { cacheCounts, type CacheCounts } from './summary';

export interface MetricsTarget {
  name: string;
  url: string;
  /** Left out of the report when it never answered (a second replica that is not running). */
  optional?: boolean;
}

/**
 * Where each service's /metrics is. Default: the local stack's ports on loopback, every replica
 * (the second ones, on 3010-3013, are skipped when they are not running). Override with
 * METRICS_TARGETS="gateway=http://127.0.0.1:3000/metrics,user=http://127.0.0.1:3001/metrics,...".
 */
export function metricsTargets(env: NodeJS.ProcessEnv = process.env): MetricsTarget[] {
  const configured = env.METRICS_TARGETS?.trim();
  if (configured) {
    return configured
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const at = entry.indexOf('=');
        if (at <= 0) throw new Error(`METRICS_TARGETS entry must be name=url: ${entry}`);
        return { name: entry.slice(0, at), url: entry.slice(at + 1) };
      });
  }
  return [
    { name: 'api-gateway', url: 'http://127.0.0.1:3000/metrics' },
    { name: 'api-gateway-2', url: 'http://127.0.0.1:3010/metrics', optional: true },
    { name: 'user-service', url: 'http://127.0.0.1:3001/metrics' },
    { name: 'user-service-2', url: 'http://127.0.0.1:3011/metrics', optional: true },
    { name: 'product-service', url: 'http://127.0.0.1:3002/metrics' },
    { name: 'product-service-2', url: 'http://127.0.0.1:3012/metrics', optional: true },
    { name: 'order-service', url: 'http://127.0.0.1:3003/metrics' },
    { name: 'order-service-2', url: 'http://127.0.0.1:3013/metrics', optional: true },
  ];
}

export async function scrape(url: string, timeoutMs = 3_000): Promise<ProcessSnapshot> {
  const response = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
  return processSnapshot(parsePrometheus(text), performance.now());
}

export interface ServiceUsage {
  name: string;
  url: string;
  reachable: boolean;
  /** CPU seconds used during the run (user + system). */
  cpuSeconds: number | null;
  /** cpuSeconds / wall seconds × 100: 100 means one full core. */
  cpuPercent: number | null;
  rssStartMb: number | null;
  rssEndMb: number | null;
  /** Highest RSS among the samples taken every few seconds during the run. */
  rssPeakMb: number | null;
  /** MongoDB commands the service sent during the run (null: it reports none). */
  dbCommands?: number | null;
  error?: string;
}

const mb = (bytes: number) => (Number.isFinite(bytes) ? Math.round((bytes / 1024 / 1024) * 10) / 10 : null);

/** CPU and memory of one service from its snapshots (first = before the run, last = after). */
export function usageFromSnapshots(
  target: MetricsTarget,
  snapshots: readonly ProcessSnapshot[],
): ServiceUsage {
  const first = snapshots[0];
  const last = snapshots[snapshots.length - 1];
  if (!first || !last || snapshots.length < 2) {
    return {
      name: target.name,
      url: target.url,
      reachable: snapshots.length > 0,
      cpuSeconds: null,
      cpuPercent: null,
      rssStartMb: first ? mb(first.rssBytes) : null,
      rssEndMb: null,
      rssPeakMb: first ? mb(first.rssBytes) : null,
    };
  }
  const cpuSeconds = last.cpuSeconds - first.cpuSeconds;
  const wallSeconds = (last.at - first.at) / 1000;
  const peak = Math.max(...snapshots.map((snapshot) => snapshot.rssBytes));
  return {
    name: target.name,
    url: target.url,
    reachable: true,
    cpuSeconds: Number.isFinite(cpuSeconds) ? Math.round(cpuSeconds * 100) / 100 : null,
    cpuPercent:
      Number.isFinite(cpuSeconds) && wallSeconds > 0
        ? Math.round((cpuSeconds / wallSeconds) * 1000) / 10
        : null,
    rssStartMb: mb(first.rssBytes),
    rssEndMb: mb(last.rssBytes),
    rssPeakMb: mb(peak),
    dbCommands: Number.isFinite(last.dbCommands - first.dbCommands)
      ? last.dbCommands - first.dbCommands
      : null,
  };
}

/** Cache lookups product-service counted during the run (product + product_list caches). */
export function serverCacheDelta(snapshots: readonly ProcessSnapshot[]): CacheCounts | null {
  const first = snapshots[0]?.cache;
  const last = snapshots[snapshots.length - 1]?.cache;
  if (!first || !last || snapshots.length < 2) return null;
  return cacheCounts(last.hit - first.hit, last.miss - first.miss + (last.bypass - first.bypass));
}

/** Scrapes every target before, every `intervalMs` during, and after a run. */
export class MetricsSampler {
  private readonly snapshots = new Map<string, ProcessSnapshot[]>();
  private readonly errors = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(readonly targets: readonly MetricsTarget[]) {
    for (const target of targets) this.snapshots.set(target.name, []);
  }

  /** Scrapes all targets once; unreachable ones are remembered and skipped afterwards. */
  async sample(): Promise<void> {
    await Promise.all(
      this.targets.map(async (target) => {
        const list = this.snapshots.get(target.name)!;
        if (this.errors.has(target.name) && list.length === 0) return;
        try {
          list.push(await scrape(target.url));
        } catch (error) {
          if (!this.errors.has(target.name)) this.errors.set(target.name, (error as Error).message);
        }
      }),
    );
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.inFlight = this.inFlight.then(() => this.sample());
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  usage(): ServiceUsage[] {
    return this.targets.flatMap((target) => {
      const usage = usageFromSnapshots(target, this.snapshots.get(target.name) ?? []);
      const error = this.errors.get(target.name);
      if (error) usage.error = error;
      return usage.reachable || !target.optional ? [usage] : [];
    });
  }

  serverCache(): CacheCounts | null {
    const product = this.targets.find((target) => target.name.startsWith('product'));
    return product ? serverCacheDelta(this.snapshots.get(product.name) ?? []) : null;
  }
}
