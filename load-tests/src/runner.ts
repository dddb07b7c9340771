import type { HttpClient } from './http';
import { LatencyHistogram } from './latency-histogram';
import { deriveSeed, mulberry32 } from './prng';
import { Recorder } from './recorder';
import type { Workload } from './scenarios';
import type { Credentials, Fixtures } from './setup';
import { type OrderLedger, runVirtualUser } from './virtual-user';

export type StopReason = 'duration' | 'request cap' | 'interrupted';

export interface PhaseOptions {
  http: HttpClient;
  fixtures: Fixtures;
  ledger: OrderLedger;
  /** One per virtual user (index i uses buyers[i]). */
  buyers: readonly Credentials[];
  users: number;
  durationSec: number;
  rampSec: number;
  requestCap: number;
  seed: number;
  thinkMs: number;
  emailTag: string;
  workload: Workload;
  abort: { aborted: boolean };
  progressEverySec?: number;
  log?: (line: string) => void;
}

export interface PhaseResult {
  recorder: Recorder;
  stoppedBy: StopReason;
  generatorCpuSeconds: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Start offsets (ms) that spread `users` evenly over the ramp; all 0 without a ramp. */
export function rampOffsets(users: number, rampSec: number): number[] {
  return Array.from({ length: users }, (_, index) => (rampSec > 0 ? (rampSec * 1000 * index) / users : 0));
}

function progressLine(recorder: Recorder, users: number, windowSec: number): string {
  const now = performance.now();
  const elapsed = (now - recorder.startedAt) / 1000;
  const last = recorder.timeline.slice(Math.max(0, Math.floor(elapsed) - windowSec), Math.floor(elapsed));
  const requests = last.reduce((sum, bucket) => sum + bucket.requests, 0);
  const p95 = LatencyHistogram.merged(last.map((bucket) => bucket.latencies)).percentile(95);
  let failed = 0;
  let stockouts = 0;
  let limited = 0;
  for (const record of recorder.endpoints.values()) {
    failed += record.outcomes.failed;
    stockouts += record.outcomes.stockout;
    limited += record.outcomes.rate_limited;
  }
  return (
    `[${elapsed.toFixed(0).padStart(4)}s] users ${recorder.activeUsers}/${users}  requests ${recorder.total}  ` +
    `rps ${(requests / Math.max(1, last.length)).toFixed(0)}  p95 ${p95.toFixed(0)} ms  ` +
    `failed ${failed}  409 ${stockouts}  429 ${limited}`
  );
}

/**
 * Runs `users` virtual users (async loops over the shared undici pool) until the duration ends,
 * the request cap is reached or the run is interrupted. Users start evenly over the ramp.
 */
export async function runPhase(options: PhaseOptions): Promise<PhaseResult> {
  const cpuBefore = process.cpuUsage();
  const recorder = new Recorder(performance.now());
  const endAt = recorder.startedAt + options.durationSec * 1000;
  let stoppedBy: StopReason | undefined;
  const shouldStop = () => {
    if (stoppedBy) return true;
    if (options.abort.aborted) stoppedBy = 'interrupted';
    else if (recorder.total >= options.requestCap) stoppedBy = 'request cap';
    else if (performance.now() >= endAt) stoppedBy = 'duration';
    return stoppedBy !== undefined;
  };

  const progressEvery = options.progressEverySec ?? 5;
  const timer =
    options.log && progressEvery > 0
      ? setInterval(
          () => options.log!(progressLine(recorder, options.users, progressEvery)),
          progressEvery * 1000,
        )
      : undefined;

  const offsets = rampOffsets(options.users, options.rampSec);
  await Promise.all(
    offsets.map(async (offset, index) => {
      const wait = recorder.startedAt + offset - performance.now();
      if (wait > 0) await sleep(wait);
      if (shouldStop()) return;
      recorder.userStarted(performance.now());
      try {
        await runVirtualUser({
          index,
          rng: mulberry32(deriveSeed(options.seed, index)),
          http: options.http,
          recorder,
          fixtures: options.fixtures,
          ledger: options.ledger,
          buyer: options.buyers[index]!,
          emailTag: options.emailTag,
          thinkMs: options.thinkMs,
          workload: options.workload,
          shouldStop,
        });
      } finally {
        recorder.userStopped();
      }
    }),
  );
  if (timer) clearInterval(timer);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    recorder,
    stoppedBy: stoppedBy ?? 'duration',
    generatorCpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
  };
}
