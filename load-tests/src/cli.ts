import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCli, ratePlan, type CliOptions, USAGE, UsageError } from './args';
import {
  type CapacityLimits,
  type CapacityResult,
  type CapacityStep,
  capacityVerdict,
  nextCapacityRate,
} from './capacity';
import { detectEntryPoint } from './entry-point';
import { HttpClient } from './http';
import { notChecked, type InventoryReport } from './inventory';
import { deriveSeed } from './prng';
import { type ArrivalCounts, type RatePlan, runOpenPhase } from './open-model';
import { type MaxStep, renderCapacityText, renderHtml, renderText, type RunReport } from './report';
import { type PhaseResult, runPhase } from './runner';
import {
  type MaxScenario,
  MIXED_WORKLOAD,
  type ScenarioName,
  nextMaxStep,
  requestCap,
  SCENARIOS,
  type Thresholds,
  type Workload,
} from './scenarios';
import { ProcessGroupSampler, stackRootPid } from './process-cpu';
import { MetricsSampler, metricsTargets, type ServiceUsage } from './service-metrics';
import {
  adminCredentials,
  adminLogin,
  type Buyer,
  checkHealth,
  createBuyers,
  deleteProducts,
  expectedRequests,
  type Fixtures,
  generalLimits,
  HIGH_LIMITS_HINT,
  rateLimitProblems,
  seedCatalog,
  SetupError,
} from './setup';
import { type CacheCounts, type RecorderSummary, summarizeRecorder, type Summary } from './summary';
import { allPassed, droppedThreshold, evaluateThresholds, type ThresholdResult } from './thresholds';
import { waitForSettledReleases } from './settle';
import { verifyInventory } from './verify';
import { OrderLedger } from './virtual-user';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const log = (line: string) => console.log(line);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Measured {
  phase: PhaseResult;
  /** Open model only: what was offered, achieved and dropped. */
  arrivals?: ArrivalCounts;
  /** Units ordered (201) during this phase. */
  units: number;
  summary: RecorderSummary;
  services: ServiceUsage[];
  serverCache: CacheCounts | null;
}

interface Context {
  options: CliOptions;
  http: HttpClient;
  fixtures: Fixtures;
  ledger: OrderLedger;
  runId: string;
  abort: { aborted: boolean };
  workload: Workload;
}

/** Runs one phase with the services' and processes' CPU and memory sampled around it. */
async function measure(
  ctx: Context,
  run: () => Promise<PhaseResult & { arrivals?: ArrivalCounts }>,
): Promise<Measured> {
  const sampler = new MetricsSampler(metricsTargets());
  const processes = new ProcessGroupSampler(stackRootPid());
  await sampler.sample();
  processes.sample();
  sampler.start(5_000);
  const unitsBefore = ctx.ledger.units;
  const phase = await run();
  await sampler.stop();
  await sampler.sample();
  const measured: Measured = {
    phase,
    units: ctx.ledger.units - unitsBefore,
    summary: summarizeRecorder(phase.recorder),
    services: [...sampler.usage(), ...processes.usage()],
    serverCache: sampler.serverCache(),
  };
  if (phase.arrivals) measured.arrivals = phase.arrivals;
  return measured;
}

/** The closed model: `users` virtual users, each waiting for its answer. */
const closed =
  (
    ctx: Context,
    buyers: readonly Buyer[],
    plan: { users: number; durationSec: number; rampSec: number; cap: number; seed: number; tag: string },
  ) =>
  () =>
    runPhase({
      http: ctx.http,
      fixtures: ctx.fixtures,
      ledger: ctx.ledger,
      buyers,
      users: plan.users,
      durationSec: plan.durationSec,
      rampSec: plan.rampSec,
      requestCap: plan.cap,
      seed: plan.seed,
      thinkMs: ctx.options.thinkMs,
      emailTag: plan.tag,
      workload: ctx.workload,
      abort: ctx.abort,
      log,
    });

/** The open model: arrivals on the schedule of `plan`, at most `maxInFlight` at once. */
const open =
  (
    ctx: Context,
    buyers: readonly Buyer[],
    run: { plan: RatePlan; durationSec: number; maxInFlight: number; cap: number; seed: number; tag: string },
  ) =>
  () =>
    runOpenPhase({
      http: ctx.http,
      fixtures: ctx.fixtures,
      ledger: ctx.ledger,
      buyers,
      plan: run.plan,
      durationSec: run.durationSec,
      maxInFlight: run.maxInFlight,
      requestCap: run.cap,
      seed: run.seed,
      emailTag: run.tag,
      workload: ctx.workload,
      abort: ctx.abort,
      log,
    });

/** Arrivals in flight at most: what --users says, else one second's worth at the peak rate. */
const maxInFlightFor = (options: CliOptions, plan: RatePlan) =>
  options.users ?? Math.max(20, Math.ceil(Math.max(plan.from, plan.to)));

/** Buyer accounts the open model shares among its virtual users (none when nothing is ordered). */
const openBuyers = (workload: Workload, maxInFlight: number) =>
  workload.mix.orders > 0 ? Math.min(maxInFlight, 50) : 0;

function ordersOf(summary: RecorderSummary) {
  const create = summary.endpoints.find((endpoint) => endpoint.name === 'orders.create');
  return { attempted: create?.requests ?? 0, placed: create?.ok ?? 0, stockouts: create?.stockouts ?? 0 };
}

function browsingCache(summary: RecorderSummary): CacheCounts | null {
  return summary.groups.find((group) => group.name === 'browsing')?.cache ?? null;
}

function stepOf(users: number, measured: Measured, thresholds: Thresholds): MaxStep {
  const { summary, phase } = measured;
  const results = evaluateThresholds(
    { ...thresholds, inventoryInvariant: false, someOrdersPlaced: false },
    { overall: summary.overall, orders: ordersOf(summary) },
  );
  const reasons = results
    .filter((result) => !result.passed)
    .map((result) => `${result.name} ${result.actual}`);
  if (phase.stoppedBy !== 'duration') reasons.push(`stopped by ${phase.stoppedBy}`);
  const overall: Summary = summary.overall;
  return {
    users,
    passed: reasons.length === 0,
    reason: reasons.join('; '),
    requests: overall.requests,
    rps: overall.rps,
    failed: overall.failed,
    rateLimited: overall.rateLimited,
    stockouts: overall.stockouts,
    successRate: overall.successRate,
    p95: overall.latency.p95,
    p99: overall.latency.p99,
    failures: summary.failures.slice(0, 5),
  };
}

/**
 * The inventory invariant over every order of the run, then the run's products deleted (unless
 * --keep-products); notes say what could not be done.
 */
async function checkInventory(
  ctx: Context,
  admin: ReturnType<typeof adminCredentials>,
  buyers: readonly Buyer[],
  notes: string[],
): Promise<InventoryReport> {
  const { http, fixtures, runId } = ctx;
  log('checking the inventory invariant');
  let inventory: InventoryReport;
  let verifierToken: string | undefined;
  try {
    verifierToken = (await adminLogin(http, admin)).token;
    inventory = await verifyInventory(
      http,
      fixtures.products,
      ctx.ledger,
      { adminToken: verifierToken, buyerIds: buyers.map((buyer) => buyer.userId) },
      log,
    );
  } catch (error) {
    inventory = notChecked((error as Error).message);
  }
  if (ctx.options.keepProducts) {
    notes.push(`kept the run's ${fixtures.products.length} products (SKU prefix LT-${runId}-)`);
  } else if (verifierToken) {
    const cleanup = await deleteProducts(http, verifierToken, fixtures.products);
    if (cleanup.failed > 0) {
      notes.push(`could not delete ${cleanup.failed} of the run's products (SKU prefix LT-${runId}-)`);
    }
  }
  return inventory;
}

const CAPACITY_STEP_SEC = 15;
/** Arrivals in flight at most during a capacity step (and connections), unless --users says. */
const CAPACITY_MAX_IN_FLIGHT = 2000;
/** `--capacity` without `--scenario`: the read path, the order path and the mixed traffic. */
const CAPACITY_SCENARIOS: ScenarioName[] = ['browse', 'checkout', 'normal'];
const CAPACITY_START_RATE = 10;

const capacityLimits = (options: CliOptions): CapacityLimits => ({
  p99Ms: options.p99LimitMs,
  maxErrorsPercent: options.maxErrorsPercent,
});

const describeRate = (plan: RatePlan) =>
  plan.from === plan.to
    ? `${plan.to} arrivals/s`
    : `${plan.from} → ${plan.to} arrivals/s over ${plan.rampSec} s`;

/** For each scenario, open-model steps at rising rates (see capacity.ts); 3 s of rest between steps. */
async function searchCapacity(
  base: Context,
  scenarios: readonly ScenarioName[],
  durationSec: number,
  buyersFor: (count: number) => Promise<readonly Buyer[]>,
): Promise<CapacityResult[]> {
  const { options } = base;
  const limits = capacityLimits(options);
  const results: CapacityResult[] = [];
  for (const name of scenarios) {
    const scenario = SCENARIOS[name];
    const workload = (scenario.kind === 'fixed' ? scenario.workload : undefined) ?? MIXED_WORKLOAD;
    const ctx: Context = { ...base, workload };
    const steps: CapacityStep[] = [];
    let rate: number | undefined;
    while (
      !base.abort.aborted &&
      (rate = nextCapacityRate(steps, options.rate?.to ?? CAPACITY_START_RATE)) !== undefined
    ) {
      const plan = { from: rate, to: rate, rampSec: 0 };
      const maxInFlight = Math.min(options.users ?? CAPACITY_MAX_IN_FLIGHT, maxInFlightFor(options, plan));
      const buyers = await buyersFor(openBuyers(workload, maxInFlight));
      log(`capacity ${name}: step ${steps.length + 1} at ${rate}/s for ${durationSec} s`);
      const measured = await measure(
        ctx,
        open(ctx, buyers, {
          plan,
          durationSec,
          maxInFlight,
          cap: options.maxRequests ?? requestCap(maxInFlight, durationSec),
          seed: deriveSeed(options.seed, 2000 + results.length * 100 + steps.length),
          tag: `${base.runId}c${results.length}s${steps.length + 1}`,
        }),
      );
      const { overall } = measured.summary;
      const arrivals = measured.arrivals!;
      const verdict = capacityVerdict(overall, arrivals, limits);
      const held = verdict.passed && measured.phase.stoppedBy === 'duration';
      steps.push({
        rate,
        passed: held,
        reason: held ? '' : verdict.reason || `stopped by ${measured.phase.stoppedBy}`,
        offeredRate: arrivals.offeredRate,
        achievedRate: arrivals.achievedRate,
        dropped: arrivals.dropped,
        requests: overall.requests,
        failed: overall.failed,
        p50: overall.latency.p50,
        p99: overall.latency.p99,
      });
      log(
        `capacity ${name}: ${rate}/s → ${held ? 'holds' : `FAIL (${steps.at(-1)!.reason})`}, ` +
          `achieved ${arrivals.achievedRate}/s, p99 ${overall.latency.p99} ms`,
      );
      if (!base.abort.aborted) await sleep(3_000);
    }
    const held = steps.filter((step) => step.passed).map((step) => step.rate);
    results.push({ scenario: name, sustainableRate: held.length > 0 ? Math.max(...held) : null, steps });
  }
  return results;
}

const stampOf = (iso: string) => iso.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');

function commandLine(argv: readonly string[]): string {
  const env = ['BASE_URL', 'ADMIN_EMAIL']
    .filter((name) => process.env[name])
    .map((name) => `${name}=${process.env[name]}`);
  return [...env, 'npm run load --', ...argv].join(' ');
}

function writeReports(dir: string, report: RunReport): string[] {
  mkdirSync(dir, { recursive: true });
  const stamp = stampOf(report.startedAt);
  const base = path.join(dir, `${stamp}-${report.scenario}`);
  const files: Array<[string, string]> = [
    [`${base}.json`, JSON.stringify(report, null, 2) + '\n'],
    [`${base}.txt`, renderText(report)],
    [`${base}.html`, renderHtml(report)],
  ];
  for (const [file, content] of files) writeFileSync(file, content);
  return files.map(([file]) => path.relative(process.cwd(), file) || file);
}

export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const scenario = SCENARIOS[options.scenario];
  const fixed = scenario.kind === 'fixed' ? scenario : undefined;
  const max = scenario.kind === 'max' ? scenario : undefined;
  const users = options.users ?? fixed?.users ?? max!.maxUsers;
  const durationSec =
    options.durationSec ??
    (options.capacity ? CAPACITY_STEP_SEC : (fixed?.durationSec ?? max!.stepDurationSec));
  const rampSec = Math.min(options.rampSec ?? scenario.rampSec, durationSec);
  const rate =
    options.rate && !options.capacity ? ratePlan(options.rate, options.rampSec, durationSec) : undefined;
  const maxInFlight = rate ? maxInFlightFor(options, rate) : undefined;
  const cap = options.maxRequests ?? requestCap(maxInFlight ?? users, durationSec);
  // Open-model runs need a connection per arrival in flight; undici opens them as needed.
  const connections = options.capacity ? (options.users ?? CAPACITY_MAX_IN_FLIGHT) : (maxInFlight ?? users);
  // The rate-limit check counts 30 requests per user-second.
  const loadUsers = options.capacity
    ? 100
    : rate
      ? Math.ceil(Math.max(rate.from, rate.to) / 30) + 1
      : max
        ? users * 2
        : users;

  const abort = { aborted: false };
  const onSigint = () => {
    if (abort.aborted) process.exit(130);
    abort.aborted = true;
    console.error('\ninterrupted: stopping virtual users and writing the report (Ctrl-C again to quit now)');
  };
  process.on('SIGINT', onSigint);

  const baseUrl = options.baseUrl ?? (await detectEntryPoint());
  const http = new HttpClient(baseUrl, { connections: connections + 2 });
  const startedAt = new Date();
  try {
    log(
      `load test "${options.capacity ? 'capacity' : scenario.name}" against ${baseUrl}` +
        `${options.baseUrl ? '' : ' (the local entry point)'}`,
    );
    await checkHealth(http);
    const admin = adminCredentials(process.env, REPO_ROOT);
    const session = await adminLogin(http, admin);
    const general = await generalLimits(http);
    const needed = expectedRequests(loadUsers, durationSec, options.products);
    const problems = rateLimitProblems(general, session.authLimits, needed);
    if (problems.length > 0) {
      const message = `rate limits too low for this run: ${problems.join('; ')}.\nFix: ${HIGH_LIMITS_HINT}.`;
      if (!options.allowRateLimits) throw new SetupError(message);
      log(`warning: ${message}`);
    }

    const runId = Date.now().toString(36);
    log(`seeding ${options.products} products (stock ${options.stock} each, SKU prefix LT-${runId}-)`);
    const fixtures = await seedCatalog(http, session.token, {
      runId,
      products: options.products,
      stock: options.stock,
      seed: options.seed,
    });
    const ledger = new OrderLedger(fixtures.products.map((product) => product.id));
    const workload = fixed?.workload ?? MIXED_WORKLOAD;
    const ctx: Context = { options, http, fixtures, ledger, runId, abort, workload };
    const buyers: Buyer[] = [];
    const ensureBuyers = async (count: number) => {
      if (buyers.length >= count) return;
      log(`registering ${count - buyers.length} buyer accounts (not measured)`);
      buyers.push(...(await createBuyers(http, runId, buyers.length, count)));
    };

    if (options.capacity) {
      const scenarios = argv.includes('--scenario') ? [options.scenario] : CAPACITY_SCENARIOS;
      const results = await searchCapacity(ctx, scenarios, durationSec, async (count) => {
        await ensureBuyers(count);
        return buyers;
      });
      const notes = [await waitForSettledReleases(log)];
      const inventory = await checkInventory(ctx, admin, buyers, notes);
      const limits = capacityLimits(options);
      const text = renderCapacityText(results, limits, inventory, notes);
      const reportDir = options.reportDir
        ? path.resolve(options.reportDir)
        : path.join(REPO_ROOT, 'load-tests', 'reports');
      mkdirSync(reportDir, { recursive: true });
      const base = path.join(reportDir, `${stampOf(startedAt.toISOString())}-capacity`);
      writeFileSync(
        `${base}.json`,
        JSON.stringify({ command: commandLine(argv), baseUrl, limits, results, inventory, notes }, null, 2) +
          '\n',
      );
      writeFileSync(`${base}.txt`, text);
      log('');
      log(text);
      log(`reports: ${path.relative(process.cwd(), base)}.json, .txt`);
      const found = results.every((result) => result.sustainableRate !== null);
      return found && (!inventory.checked || inventory.passed) && !abort.aborted ? 0 : 1;
    }

    let measured: Measured;
    let maxSection: RunReport['max'];
    let reportUsers = users;
    let reportCap = cap;
    const notes: string[] = [];
    if (max) {
      const search: MaxScenario = { ...max, maxUsers: users };
      const tried: Array<{ users: number; passed: boolean }> = [];
      const steps: MaxStep[] = [];
      const byUsers = new Map<number, Measured>();
      let level: number | undefined;
      while (!abort.aborted && (level = nextMaxStep(tried, search)) !== undefined) {
        await ensureBuyers(level);
        log(`max: step ${steps.length + 1} with ${level} users for ${durationSec} s`);
        const result = await measure(
          ctx,
          closed(ctx, buyers, {
            users: level,
            durationSec,
            rampSec,
            cap: options.maxRequests ?? requestCap(level, durationSec),
            seed: deriveSeed(options.seed, 1000 + steps.length),
            tag: `${runId}s${steps.length + 1}`,
          }),
        );
        const step = stepOf(level, result, search.thresholds);
        log(
          `max: ${level} users → ${step.passed ? 'pass' : `FAIL (${step.reason})`}, ${step.rps} rps, p95 ${step.p95} ms`,
        );
        steps.push(step);
        tried.push({ users: level, passed: step.passed && result.phase.stoppedBy !== 'interrupted' });
        byUsers.set(level, result);
        if (!abort.aborted) await sleep(3_000);
      }
      const passing = steps.filter((step) => step.passed);
      const best = passing.length > 0 ? passing.reduce((a, b) => (b.users > a.users ? b : a)) : undefined;
      const shown = best ?? steps[steps.length - 1];
      if (!shown) throw new SetupError('the max search ran no step');
      measured = byUsers.get(shown.users)!;
      reportUsers = shown.users;
      reportCap = options.maxRequests ?? requestCap(shown.users, durationSec);
      maxSection = {
        bestUsers: best?.users ?? null,
        bestRps: best?.rps ?? null,
        p95BelowMs: search.thresholds.p95BelowMs ?? 1000,
        steps,
      };
      notes.push('max: the inventory check covers the orders of every step');
    } else if (rate && maxInFlight !== undefined) {
      await ensureBuyers(openBuyers(workload, maxInFlight));
      log(
        `offering ${describeRate(rate)} for ${durationSec} s, at most ${maxInFlight} in flight, cap ${cap} requests`,
      );
      measured = await measure(
        ctx,
        open(ctx, buyers, { plan: rate, durationSec, maxInFlight, cap, seed: options.seed, tag: runId }),
      );
      reportUsers = maxInFlight;
    } else {
      await ensureBuyers(users);
      log(
        `running ${users} users for ${durationSec} s${rampSec > 0 ? ` (${rampSec} s ramp)` : ''}, cap ${cap} requests`,
      );
      measured = await measure(
        ctx,
        closed(ctx, buyers, { users, durationSec, rampSec, cap, seed: options.seed, tag: runId }),
      );
    }

    notes.push(await waitForSettledReleases(log));
    const inventory = await checkInventory(ctx, admin, buyers, notes);

    const { summary, phase } = measured;
    const orders = { ...ordersOf(summary), unitsOrdered: measured.units };
    let thresholds: ThresholdResult[] = evaluateThresholds(scenario.thresholds, {
      overall: summary.overall,
      orders,
      inventory,
    });
    if (maxSection) {
      thresholds = [
        {
          name: 'a concurrency level met 0 errors and p95 below the limit',
          passed: maxSection.bestUsers !== null,
          actual: maxSection.bestUsers === null ? 'none' : `${maxSection.bestUsers} users`,
          limit: `>= 1 user`,
        },
        ...thresholds.filter((result) => result.name.startsWith('inventory')),
      ];
    }
    if (measured.arrivals) thresholds.push(droppedThreshold(measured.arrivals));
    if (phase.stoppedBy === 'request cap') {
      notes.push(`the run hit the hard cap of ${reportCap} requests before its duration ended`);
    }
    if (phase.stoppedBy === 'interrupted') {
      thresholds.push({
        name: 'run completed',
        passed: false,
        actual: 'interrupted',
        limit: 'not interrupted',
      });
    }
    const report: RunReport = {
      tool: '@ecom/load-tests',
      scenario: scenario.name,
      command: commandLine(argv),
      baseUrl,
      seed: options.seed,
      users: reportUsers,
      durationSec,
      rampSec,
      requestCap: reportCap,
      stoppedBy: phase.stoppedBy,
      startedAt: startedAt.toISOString(),
      elapsedSec: summary.elapsedSec,
      environment: {
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
        loadAverage: os.loadavg(),
        generatorCpuSeconds: phase.generatorCpuSeconds,
      },
      rateLimits: { general: general.limit, auth: session.authLimits.limit },
      overall: summary.overall,
      groups: summary.groups,
      endpoints: summary.endpoints,
      timeline: summary.timeline,
      failures: summary.failures,
      browsingCache: browsingCache(summary),
      serverCache: measured.serverCache,
      orders,
      inventory,
      services: measured.services,
      thresholds,
      passed: allPassed(thresholds),
      notes,
    };
    if (maxSection) report.max = maxSection;
    if (measured.arrivals && rate) report.open = { plan: rate, ...measured.arrivals };
    const reportDir = options.reportDir
      ? path.resolve(options.reportDir)
      : path.join(REPO_ROOT, 'load-tests', 'reports');
    const files = writeReports(reportDir, report);
    log('');
    log(renderText(report));
    log(`reports: ${files.join(', ')}`);
    return report.passed ? 0 : 1;
  } catch (error) {
    if (error instanceof SetupError) {
      console.error(`\nerror: ${error.message}`);
      return 2;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    await http.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}
