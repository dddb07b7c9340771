import { parseArgs } from 'node:util';
import type { RatePlan } from './open-model';
import { isScenarioName, SCENARIO_NAMES, type ScenarioName } from './scenarios';

/** `--rate N` or `--rate FROM:TO` (arrivals per second); the ramp is settled in cli.ts. */
export interface RateOption {
  from: number;
  to: number;
}

export interface CliOptions {
  scenario: ScenarioName;
  /** Open model: arrivals per second instead of a fixed number of users. */
  rate?: RateOption;
  /** Capacity search: step the rate up until p99 or errors pass their limits. */
  capacity: boolean;
  /** The capacity search's p99 limit, ms. */
  p99LimitMs: number;
  /** The capacity search's limit on failed requests, % of requests. */
  maxErrorsPercent: number;
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
  --users N             virtual users (max: upper bound of the search, default 640;
                        with --rate: arrivals in flight at most, default one second's worth)
  --duration SECONDS    run length (max: length of each step, default 20;
                        capacity: length of each step, default 15)
  --ramp SECONDS        start users evenly over this many seconds; with --rate N, rise
                        from 0 to N over it; with --rate A:B, go from A to B over it
                        (default: the whole run)
  --rate N | A:B        open model: N arrivals per second, whether or not earlier ones
                        were answered; latency counts from each arrival's intended start,
                        arrivals finding every user busy are dropped (and reported)
  --capacity            step the rate up (x1.5 from --rate, default 10/s) until p99 or
                        errors pass their limits; prints the highest sustainable rate of
                        --scenario, or of browse, checkout and normal when none is given
  --p99 MS              capacity: p99 limit (default 500)
  --max-errors PERCENT  capacity: failed requests limit (default 1)
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

function percentage(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || value > 100) {
    throw new UsageError(`--${name} must be a percentage from 0 to 100 (got "${raw}")`);
  }
  return value;
}

/** `N` or `FROM:TO`, arrivals per second (FROM may be 0, the final rate may not). */
export function parseRate(raw: string): RateOption {
  const match = /^\s*(\d+(?:\.\d+)?)(?:\s*:\s*(\d+(?:\.\d+)?))?\s*$/.exec(raw);
  const from = match ? Number(match[1]) : Number.NaN;
  const to = match?.[2] === undefined ? from : Number(match[2]);
  if (!match || !(to > 0) || from > 100_000 || to > 100_000) {
    throw new UsageError(
      `--rate must be N or FROM:TO arrivals per second, up to 100000, ending above 0 (got "${raw}")`,
    );
  }
  return { from, to };
}

/**
 * The arrival plan of a --rate run: `--rate N` is N from the start, or rises from 0 over --ramp;
 * `--rate A:B` goes from A to B over --ramp, or over the whole run without one.
 */
export function ratePlan(rate: RateOption, rampSec: number | undefined, durationSec: number): RatePlan {
  if (rate.from === rate.to) {
    return rampSec ? { from: 0, to: rate.to, rampSec } : { from: rate.to, to: rate.to, rampSec: 0 };
  }
  return { from: rate.from, to: rate.to, rampSec: rampSec ?? durationSec };
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
        rate: { type: 'string' },
        capacity: { type: 'boolean', default: false },
        p99: { type: 'string' },
        'max-errors': { type: 'string' },
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
  const capacity = values.capacity ?? false;
  if (!help && !capacity && scenario === undefined) throw new UsageError('--scenario is required');
  if (capacity && scenario === 'max') throw new UsageError('--capacity searches a rate; max searches users');
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
    capacity,
    p99LimitMs: integer('p99', values.p99, 1, 600_000) ?? 500,
    maxErrorsPercent: percentage('max-errors', values['max-errors']) ?? 1,
    help,
  };
  if (values.rate !== undefined) options.rate = parseRate(values.rate);
  if (options.rate && scenario === 'max') throw new UsageError('--rate does not apply to max');
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
