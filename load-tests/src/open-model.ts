/**
 * The open model (`--rate`): arrivals come on a schedule, whether or not earlier ones were
 * answered, as a shop's visitors do. The closed model (runner.ts) waits for each answer before the
 * next request, so when the system slows down the load it offers drops with it, and the latency a
 * user would have seen is understated (coordinated omission). Here each arrival's first request
 * is measured from its intended start, and arrivals that find every virtual user busy are counted
 * as dropped instead of being quietly delayed.
 */
import type { HttpClient } from './http';
import { LatencyHistogram } from './latency-histogram';
import { deriveSeed, mulberry32 } from './prng';
import { Recorder } from './recorder';
import type { PhaseResult, StopReason } from './runner';
import type { Workload } from './scenarios';
import type { Credentials, Fixtures } from './setup';
import { type OrderLedger, VirtualUser } from './virtual-user';

/** Arrivals per second: `from` at the start, linearly to `to` over `rampSec`, then `to`. */
export interface RatePlan {
  from: number;
  to: number;
  rampSec: number;
}

/**
 * When arrival `index` (0-based) is due, in ms from the start: the time at which the integral of
 * the rate reaches `index`. Infinity when the rate ends at 0 and the arrival never comes.
 */
export function arrivalOffsetMs(index: number, plan: RatePlan): number {
  const ramp = Math.max(0, plan.rampSec);
  const slope = ramp > 0 ? (plan.to - plan.from) / ramp : 0;
  const rampArrivals = ramp > 0 ? ((plan.from + plan.to) / 2) * ramp : 0;
  if (index < rampArrivals) {
    // index = from·t + slope·t²/2, solved for t.
    if (slope === 0) return (index / plan.from) * 1000;
    const t = (-plan.from + Math.sqrt(plan.from ** 2 + 2 * slope * index)) / slope;
    return t * 1000;
  }
  if (plan.to <= 0) return Number.POSITIVE_INFINITY;
  return (ramp + (index - rampArrivals) / plan.to) * 1000;
}

export interface ArrivalCounts {
  /** Arrivals due within the duration (what was offered). */
  offered: number;
  /** Arrivals that ran on a virtual user. */
  started: number;
  /** Arrivals that found every virtual user busy (the generator's limit, `maxInFlight`). */
  dropped: number;
  /** Started arrivals that finished. */
  completed: number;
  offeredRate: number;
  /** Completed arrivals per second of the measured run. */
  achievedRate: number;
  maxInFlight: number;
  /** How late the generator started arrivals (its own event loop): p99 in ms. */
  startLagP99Ms: number;
}

export interface OpenPhaseOptions {
  http: HttpClient;
  fixtures: Fixtures;
  ledger: OrderLedger;
  /** The accounts virtual users log in with; user i uses buyers[i % buyers.length]. */
  buyers: readonly Credentials[];
  plan: RatePlan;
  durationSec: number;
  /** Virtual users: arrivals in flight at most; one more is dropped. */
  maxInFlight: number;
  requestCap: number;
  seed: number;
  emailTag: string;
  workload: Workload;
  abort: { aborted: boolean };
  progressEverySec?: number;
  log?: (line: string) => void;
}

export interface OpenPhaseResult extends PhaseResult {
  arrivals: ArrivalCounts;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const round2 = (value: number) => Math.round(value * 100) / 100;

/** Runs the arrivals of `plan` for `durationSec`, then waits for those in flight to finish. */
export async function runOpenPhase(options: OpenPhaseOptions): Promise<OpenPhaseResult> {
  const cpuBefore = process.cpuUsage();
  const recorder = new Recorder(performance.now());
  const durationMs = options.durationSec * 1000;
  const noBuyer: Credentials = { email: '', password: '' };
  const idle = Array.from(
    { length: options.maxInFlight },
    (_, index) =>
      new VirtualUser({
        index,
        rng: mulberry32(deriveSeed(options.seed, index)),
        http: options.http,
        recorder,
        fixtures: options.fixtures,
        ledger: options.ledger,
        buyer: options.buyers.length > 0 ? options.buyers[index % options.buyers.length]! : noBuyer,
        emailTag: options.emailTag,
        thinkMs: 0,
        workload: options.workload,
        shouldStop: () => false,
      }),
  );
  const inFlight = new Set<Promise<void>>();
  const lags = new LatencyHistogram();
  let offered = 0;
  let dropped = 0;
  let completed = 0;
  let stoppedBy: StopReason = 'duration';

  const progressEvery = options.progressEverySec ?? 5;
  const timer =
    options.log && progressEvery > 0
      ? setInterval(() => {
          const elapsed = (performance.now() - recorder.startedAt) / 1000;
          options.log!(
            `[${elapsed.toFixed(0).padStart(4)}s] offered ${offered}  completed ${completed}  ` +
              `dropped ${dropped}  in flight ${inFlight.size}  requests ${recorder.total}`,
          );
        }, progressEvery * 1000)
      : undefined;

  for (let index = 0; ; index++) {
    const due = arrivalOffsetMs(index, options.plan);
    if (due >= durationMs) break;
    if (options.abort.aborted) {
      stoppedBy = 'interrupted';
      break;
    }
    if (recorder.total >= options.requestCap) {
      stoppedBy = 'request cap';
      break;
    }
    const intendedStart = recorder.startedAt + due;
    const wait = intendedStart - performance.now();
    if (wait > 1) await sleep(wait);
    offered++;
    const user = idle.pop();
    if (!user) {
      dropped++;
      continue;
    }
    lags.record(performance.now() - intendedStart);
    recorder.userStarted(performance.now());
    const arrival = user
      .step(intendedStart)
      .catch((error: unknown) => options.log?.(`arrival failed: ${(error as Error).message}`))
      .finally(() => {
        completed++;
        recorder.userStopped();
        idle.push(user);
        inFlight.delete(arrival);
      });
    inFlight.add(arrival);
  }
  await Promise.all(inFlight);
  if (timer) clearInterval(timer);
  const cpu = process.cpuUsage(cpuBefore);
  const started = offered - dropped;
  return {
    recorder,
    stoppedBy,
    generatorCpuSeconds: round2((cpu.user + cpu.system) / 1e6),
    arrivals: {
      offered,
      started,
      dropped,
      completed,
      offeredRate: round2(offered / options.durationSec),
      achievedRate: round2(completed / Math.max(options.durationSec, recorder.elapsedSeconds())),
      maxInFlight: options.maxInFlight,
      startLagP99Ms: round2(lags.percentile(99)),
    },
  };
}
