/**
 * `npm run load:stack -- --scenario smoke [options]`: starts the local stack (scripts/start-local.sh)
 * with rate limits high enough for load tests, waits for GET /health = 200, runs the scenario with
 * the same options, stops the stack and exits with the scenario's exit code.
 *
 * The stack is a second one, never the developer's: its ports are moved by a free PORT_OFFSET
 * (so a running `npm start` is neither hit nor in the way) and its data lives in a throw-away
 * directory (so `.data` and its rate-limit counters stay untouched). PORT_OFFSET and LOCAL_DATA_DIR
 * in the environment choose them instead. It runs one replica of each process; START_REPLICAS=2
 * measures npm start's failover shape (two of each) instead.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkBaseUrl, GATEWAY_URL, NGINX_URL } from './args';
import { healthStatus } from './entry-point';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const START_SCRIPT = path.join(REPO_ROOT, 'scripts', 'start-local.sh');
const HIGH_LIMIT = '100000000';
const log = (line: string) => console.log(`[load:stack] ${line}`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whether start-local.mjs will put nginx in front of two gateways (it does when nginx is on PATH). */
function stackUsesNginx(env: NodeJS.ProcessEnv): boolean {
  if (env.START_NGINX === '0') return false;
  return (env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, 'nginx')));
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

const exited = (child: ChildProcess) =>
  new Promise<number>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? 1);
    else child.once('exit', (code) => resolve(code ?? 1));
  });

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // The stack runs in its own process group: signal it as a terminal's Ctrl-C would.
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function stopStack(stack: ChildProcess): Promise<void> {
  if (stack.exitCode !== null || stack.signalCode !== null) return;
  log('stopping the stack');
  signalGroup(stack, 'SIGINT');
  const done = exited(stack);
  if (await Promise.race([done.then(() => true), sleep(30_000).then(() => false)])) return;
  log('the stack did not stop within 30 s: SIGTERM');
  signalGroup(stack, 'SIGTERM');
  if (await Promise.race([done.then(() => true), sleep(10_000).then(() => false)])) return;
  signalGroup(stack, 'SIGKILL');
  await done;
}

/** `url` with its port moved by `offset`, as start-local.mjs moves every port by PORT_OFFSET. */
function shiftPort(url: string, offset: number): string {
  const parsed = new URL(url);
  parsed.port = String(Number(parsed.port) + offset);
  return parsed.origin;
}

/** An offset whose ports are all free, chosen by start-local.mjs itself (one place for the list). */
function freePortOffset(): number {
  const printed = execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, 'scripts', 'start-local.mjs'), '--free-port-offset'],
    {
      encoding: 'utf8',
    },
  );
  return Number(printed.trim());
}

async function main(args: string[]): Promise<number> {
  const nginx = stackUsesNginx(process.env);
  const offset = process.env.PORT_OFFSET ? Number(process.env.PORT_OFFSET) : freePortOffset();
  const at = (url: string) => shiftPort(url, offset);
  const baseUrl = process.env.BASE_URL
    ? checkBaseUrl(process.env.BASE_URL, process.env)
    : at(nginx ? NGINX_URL : GATEWAY_URL);
  // One process per service unless START_REPLICAS=2 (npm start's default): on one machine a second
  // replica buys failover, not capacity, and its processes share the same cores (BENCHMARKS.md).
  const replicas = process.env.START_REPLICAS ?? '1';
  const twoReplicas = replicas === '2';
  // Everything the stack starts must be healthy before the run, or the first requests fail.
  const gateways = [at(GATEWAY_URL), ...(nginx && twoReplicas ? [at('http://127.0.0.1:3010')] : [])];
  const mustBeHealthy = [...new Set([...gateways, ...(nginx ? [at(NGINX_URL)] : []), baseUrl])];
  const nginxUrl = at(NGINX_URL);
  if (!existsSync(START_SCRIPT)) {
    console.error(
      `[load:stack] ${path.relative(process.cwd(), START_SCRIPT)} not found: cannot start the stack`,
    );
    return 2;
  }
  for (const url of mustBeHealthy) {
    if ((await healthStatus(url)) !== 0) {
      console.error(
        `[load:stack] something already answers at ${url}; stop it, or run against it with ` +
          '`npm run load -- --scenario ...` (started with high rate limits)',
      );
      return 2;
    }
  }
  const logDir = path.join(REPO_ROOT, 'load-tests', 'reports');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `stack-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  const out = openSync(logFile, 'a');
  const throwAwayData = process.env.LOCAL_DATA_DIR
    ? undefined
    : mkdtempSync(path.join(os.tmpdir(), 'load-stack-'));
  const service = (name: string, port: number) => `${name}=${at(`http://127.0.0.1:${port}`)}/metrics`;
  const env = {
    ...process.env,
    RATE_LIMIT_MAX: process.env.RATE_LIMIT_MAX ?? HIGH_LIMIT,
    AUTH_RATE_LIMIT_MAX: process.env.AUTH_RATE_LIMIT_MAX ?? HIGH_LIMIT,
    // Virtual users place hundreds of orders each and pay for none: the anti-hoarding cap would refuse them.
    MAX_PENDING_UNITS_PER_USER: process.env.MAX_PENDING_UNITS_PER_USER ?? '100000',
    // Every simulated customer places from this one address.
    MAX_PENDING_UNITS_PER_ADDRESS: process.env.MAX_PENDING_UNITS_PER_ADDRESS ?? '100000000',
    PORT_OFFSET: String(offset),
    START_REPLICAS: replicas,
    LOCAL_DATA_DIR: process.env.LOCAL_DATA_DIR ?? throwAwayData,
    // The report's CPU/memory per process, from the moved ports.
    METRICS_TARGETS:
      process.env.METRICS_TARGETS ??
      [
        service('api-gateway', 3000),
        service('user-service', 3001),
        service('product-service', 3002),
        service('order-service', 3003),
        ...(twoReplicas
          ? [
              ...(nginx ? [service('api-gateway-2', 3010)] : []),
              service('user-service-2', 3011),
              service('product-service-2', 3012),
              service('order-service-2', 3013),
            ]
          : []),
      ].join(','),
  };
  log(
    `starting scripts/start-local.sh (START_REPLICAS=${replicas} PORT_OFFSET=${offset} LOCAL_DATA_DIR=${env.LOCAL_DATA_DIR} RATE_LIMIT_MAX=${env.RATE_LIMIT_MAX} AUTH_RATE_LIMIT_MAX=${env.AUTH_RATE_LIMIT_MAX}); log: ${path.relative(process.cwd(), logFile)}`,
  );
  const stack = spawn('bash', [START_SCRIPT], {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);

  let stopping = false;
  let load: ChildProcess | undefined;
  const loadRunning = () => load !== undefined && load.exitCode === null && load.signalCode === null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (loadRunning()) {
      // Ctrl-C reached the load test too (same process group); a SIGTERM sent to us alone is
      // passed on. Either way it wraps up and writes its report, then the stack is stopped.
      if (signal === 'SIGTERM') load!.kill('SIGINT');
      return;
    }
    if (stopping) return;
    stopping = true;
    void stopStack(stack).then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const timeoutSec = Number(process.env.STACK_START_TIMEOUT_SECONDS ?? 600);
    const deadline = Date.now() + timeoutSec * 1000;
    const firstUnhealthy = async (urls: readonly string[]) => {
      for (const url of urls) {
        const status = await healthStatus(url);
        if (status !== 200) return `${url}/health: ${status || 'no answer'}`;
      }
      return undefined;
    };
    // The gateways are polled directly first: polling nginx while they start would make nginx mark
    // them failed (max_fails) and answer 502 for a while after they are up. Then everything must
    // answer 200 three times in a row.
    const direct = mustBeHealthy.filter((url) => url !== nginxUrl);
    let healthyRounds = 0;
    while (healthyRounds < 3) {
      const problem = (await firstUnhealthy(direct)) ?? (await firstUnhealthy(mustBeHealthy));
      healthyRounds = problem === undefined ? healthyRounds + 1 : 0;
      if (problem !== undefined && (stack.exitCode !== null || stack.signalCode !== null)) {
        console.error(
          `[load:stack] the stack exited (${stack.exitCode ?? stack.signalCode}) before it was healthy:\n${tail(logFile)}`,
        );
        return 2;
      }
      if (problem !== undefined && Date.now() > deadline) {
        console.error(`[load:stack] not healthy after ${timeoutSec} s (${problem}):\n${tail(logFile)}`);
        return 2;
      }
      await sleep(1_000);
    }
    log(`${mustBeHealthy.map((url) => `${url}/health`).join(', ')}: 200; running the load test`);
    load = spawn(process.execPath, [path.join(__dirname, 'cli.js'), ...args], {
      stdio: 'inherit',
      // The stack's database, Redis and nginx processes are read from /proc as its descendants.
      env: { ...env, BASE_URL: baseUrl, LOAD_STACK_PID: String(stack.pid) },
    });
    return await exited(load);
  } finally {
    await stopStack(stack);
    if (throwAwayData) rmSync(throwAwayData, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
