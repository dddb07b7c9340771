import { parseArgs } from 'node:util';
import { isScenarioName, SCENARIO_NAMES, type ScenarioName } from './scenarios';

export interface CliOptions {
  scenario: ScenarioName;
  users?: number;
  durationSec?: number;
  rampSec?: number;
  /** From --base-url or BASE_URL; undefined means "the local entry point" (see detectEntryPoint). */
  baseUrl: string | undefined;
  seed: number;
  products: number;
  stock: number;
  thinkMs: number;
  maxRequests?: number;
  reportDir?: string;
  allowRateLimits: boolean;
  keepProducts: boolean;
  help: boolean;
}

export const GATEWAY_URL = 'http://127.0.0.1:3000';
export const NGINX_URL = 'http://127.0.0.1:8080';

export const USAGE = `Usage: npm run load -- --scenario ${SCENARIO_NAMES.join('|')} [options]

  --scenario NAME       smoke (10 users, 10 s), normal (50 users, 60 s, 10 s ramp),
                        stress (100 users, 120 s, 10 s ramp), spike (200 users, 30 s),
                        checkout (20 users, 30 s, orders only: one login per user,
                        then 1-unit orders of one product, p95 < 250 ms),
                        browse (50 users, 30 s: product lists, product pages and
                        categories only, all cached),
                        max (highest concurrency with 0 errors and p95 < 1 s)
  --users N             virtual users (max: upper bound of the search, default 640)
  --duration SECONDS    run length (max: length of each step, default 20)
  --ramp SECONDS        start users evenly over this many seconds
  --seed N              seed of the weighted mix (default 1): same seed, same choices
  --products N          products the run creates for its orders (default 40; checkout 100)
  --stock N             initial stock of each of those products (default 100000)
  --think MS            pause between a user's requests (default 0: closed loop)
  --max-requests N      hard cap on requests (default users x duration x 100, at most 1,000,000)
  --base-url URL        target (default $BASE_URL, else what \`npm start\` serves: nginx
                        ${NGINX_URL} when it answers, else the gateway ${GATEWAY_URL})
  --report-dir DIR      where reports go (default load-tests/reports)
  --allow-rate-limits   run even when the gateway's rate limits look too low (429s are reported)
  --keep-products       keep the products the run created (default: deleted after the check)

Environment: BASE_URL, ADMIN_EMAIL, ADMIN_PASSWORD, METRICS_TARGETS (name=url,...), ALLOW_REMOTE=1.
Exit code: 0 thresholds met, 1 thresholds failed, 2 usage or setup error.`;

export class UsageError extends Error {
  override name = 'UsageError';
}

function integer(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** A load test only targets this machine unless ALLOW_REMOTE=1. */
export function checkBaseUrl(raw: string, env: NodeJS.ProcessEnv): string {
  const baseUrl = raw.replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UsageError(`not a URL: ${baseUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`not an http(s) URL: ${baseUrl}`);
  if (!LOOPBACK.has(url.hostname) && env.ALLOW_REMOTE !== '1') {
    throw new UsageError(
      `${baseUrl} is not on loopback; set ALLOW_REMOTE=1 to load-test another host you own`,
    );
  }
  return baseUrl;
}

export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        scenario: { type: 'string' },
        users: { type: 'string' },
        duration: { type: 'string' },
        ramp: { type: 'string' },
        seed: { type: 'string' },
        products: { type: 'string' },
        stock: { type: 'string' },
        think: { type: 'string' },
        'max-requests': { type: 'string' },
        'base-url': { type: 'string' },
        'report-dir': { type: 'string' },
        'allow-rate-limits': { type: 'boolean', default: false },
        'keep-products': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values;
  const help = values.help ?? false;
  const scenario = values.scenario;
  if (!help && scenario === undefined) throw new UsageError('--scenario is required');
  if (scenario !== undefined && !isScenarioName(scenario)) {
    throw new UsageError(`unknown scenario "${scenario}"; use one of ${SCENARIO_NAMES.join(', ')}`);
  }
  const rawBaseUrl = values['base-url'] ?? env.BASE_URL;
  const baseUrl = rawBaseUrl === undefined ? undefined : checkBaseUrl(rawBaseUrl, env);
  const options: CliOptions = {
    scenario: (scenario ?? 'smoke') as ScenarioName,
    baseUrl,
    seed: integer('seed', values.seed, 0, 2 ** 32 - 1) ?? 1,
    products: integer('products', values.products, 1, 1000) ?? (scenario === 'checkout' ? 100 : 40),
    stock: integer('stock', values.stock, 1, 1_000_000_000) ?? 100_000,
    thinkMs: integer('think', values.think, 0, 60_000) ?? 0,
    allowRateLimits: values['allow-rate-limits'] ?? false,
    keepProducts: values['keep-products'] ?? false,
    help,
  };
  const users = integer('users', values.users, 1, 10_000);
  const duration = integer('duration', values.duration, 1, 24 * 3600);
  const ramp = integer('ramp', values.ramp, 0, 24 * 3600);
  const maxRequests = integer('max-requests', values['max-requests'], 1, 100_000_000);
  if (users !== undefined) options.users = users;
  if (duration !== undefined) options.durationSec = duration;
  if (ramp !== undefined) options.rampSec = ramp;
  if (maxRequests !== undefined) options.maxRequests = maxRequests;
  if (values['report-dir'] !== undefined) options.reportDir = values['report-dir'];
  if (
    options.rampSec !== undefined &&
    options.durationSec !== undefined &&
    options.rampSec > options.durationSec
  ) {
    throw new UsageError('--ramp cannot be longer than --duration');
  }
  return options;
}
