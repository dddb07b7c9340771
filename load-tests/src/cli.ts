import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCli, type CliOptions, USAGE, UsageError } from './args';
import { detectEntryPoint } from './entry-point';
import { HttpClient } from './http';
import { notChecked, type InventoryReport } from './inventory';
import { deriveSeed } from './prng';
import { type MaxStep, renderHtml, renderText, type RunReport } from './report';
import { type PhaseResult, runPhase } from './runner';
import {
  type MaxScenario,
  MIXED_WORKLOAD,
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
import { allPassed, evaluateThresholds, type ThresholdResult } from './thresholds';
import { waitForSettledReleases } from './settle';
import { verifyInventory } from './verify';
import { OrderLedger } from './virtual-user';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const log = (line: string) => console.log(line);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Measured {
  phase: PhaseResult;
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

async function measure(
  ctx: Context,
  buyers: readonly Buyer[],
  plan: { users: number; durationSec: number; rampSec: number; cap: number; seed: number; tag: string },
): Promise<Measured> {
  const sampler = new MetricsSampler(metricsTargets());
  const processes = new ProcessGroupSampler(stackRootPid());
  await sampler.sample();
  processes.sample();
  sampler.start(5_000);
  const unitsBefore = ctx.ledger.units;
  const phase = await runPhase({
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
  await sampler.stop();
  await sampler.sample();
  return {
    phase,
    units: ctx.ledger.units - unitsBefore,
    summary: summarizeRecorder(phase.recorder),
    services: [...sampler.usage(), ...processes.usage()],
    serverCache: sampler.serverCache(),
  };
}

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

function commandLine(argv: readonly string[]): string {
  const env = ['BASE_URL', 'ADMIN_EMAIL']
    .filter((name) => process.env[name])
    .map((name) => `${name}=${process.env[name]}`);
  return [...env, 'npm run load --', ...argv].join(' ');
}

function writeReports(dir: string, report: RunReport): string[] {
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
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
  const durationSec = options.durationSec ?? fixed?.durationSec ?? max!.stepDurationSec;
  const rampSec = Math.min(options.rampSec ?? scenario.rampSec, durationSec);
  const cap = options.maxRequests ?? requestCap(users, durationSec);

  const abort = { aborted: false };
  const onSigint = () => {
    if (abort.aborted) process.exit(130);
    abort.aborted = true;
    console.error('\ninterrupted: stopping virtual users and writing the report (Ctrl-C again to quit now)');
  };
  process.on('SIGINT', onSigint);

  const baseUrl = options.baseUrl ?? (await detectEntryPoint());
  const http = new HttpClient(baseUrl, { connections: users + 2 });
  const startedAt = new Date();
  try {
    log(
      `load test "${scenario.name}" against ${baseUrl}${options.baseUrl ? '' : ' (the local entry point)'}`,
    );
    await checkHealth(http);
    const admin = adminCredentials(process.env, REPO_ROOT);
    const session = await adminLogin(http, admin);
    const general = await generalLimits(http);
    const needed = expectedRequests(max ? users * 2 : users, durationSec, options.products);
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
        const result = await measure(ctx, buyers, {
          users: level,
          durationSec,
          rampSec,
          cap: options.maxRequests ?? requestCap(level, durationSec),
          seed: deriveSeed(options.seed, 1000 + steps.length),
          tag: `${runId}s${steps.length + 1}`,
        });
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
    } else {
      await ensureBuyers(users);
      log(
        `running ${users} users for ${durationSec} s${rampSec > 0 ? ` (${rampSec} s ramp)` : ''}, cap ${cap} requests`,
      );
      measured = await measure(ctx, buyers, {
        users,
        durationSec,
        rampSec,
        cap,
        seed: options.seed,
        tag: runId,
      });
    }

    notes.push(await waitForSettledReleases(log));
    log('checking the inventory invariant');
    let inventory: InventoryReport;
    let verifierToken: string | undefined;
    try {
      verifierToken = (await adminLogin(http, admin)).token;
      inventory = await verifyInventory(
        http,
        fixtures.products,
        ledger,
        { adminToken: verifierToken, buyerIds: buyers.map((buyer) => buyer.userId) },
        log,
      );
    } catch (error) {
      inventory = notChecked((error as Error).message);
    }
    if (options.keepProducts) {
      notes.push(`kept the run's ${fixtures.products.length} products (SKU prefix LT-${runId}-)`);
    } else if (verifierToken) {
      const cleanup = await deleteProducts(http, verifierToken, fixtures.products);
      if (cleanup.failed > 0) {
        notes.push(`could not delete ${cleanup.failed} of the run's products (SKU prefix LT-${runId}-)`);
      }
    }

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
