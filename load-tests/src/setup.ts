import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describeFailure, header, type HttpClient, type HttpResult, parseJson } from './http';
import { mulberry32, randomInt } from './prng';

export class SetupError extends Error {
  override name = 'SetupError';
}

export interface Credentials {
  email: string;
  password: string;
}

export const LOAD_TEST_CATEGORY = 'Load Test';
export const BUYER_PASSWORD = 'load-test-password-1';

/** Recommended start command, printed whenever the limits are too low. */
export const HIGH_LIMITS_HINT =
  'start the stack with high limits, e.g. `RATE_LIMIT_MAX=100000000 AUTH_RATE_LIMIT_MAX=100000000 npm start` ' +
  '(or let `npm run load:stack -- --scenario <name>` start it for you), or pass --allow-rate-limits to count 429s anyway';

/**
 * The admin account: ADMIN_EMAIL / ADMIN_PASSWORD when set, else the local defaults of `npm start`
 * (read from scripts/start-local.mjs or .sh, so the two cannot drift apart).
 */
export function adminCredentials(env: NodeJS.ProcessEnv, repoRoot: string): Credentials {
  let defaults: Partial<Credentials> = {};
  for (const name of ['start-local.mjs', 'start-local.sh']) {
    const script = path.join(repoRoot, 'scripts', name);
    if (!existsSync(script)) continue;
    defaults = { ...defaultsFromStartScript(readFileSync(script, 'utf8')), ...defaults };
  }
  const email = env.ADMIN_EMAIL || defaults.email || 'admin@example.com';
  const password = env.ADMIN_PASSWORD || defaults.password || 'admin-dev-password';
  return { email, password };
}

/**
 * Finds the admin defaults in a start script: shell `${ADMIN_EMAIL:-value}`, or JavaScript
 * `ADMIN_EMAIL = 'value'` / `ADMIN_EMAIL: 'value'`.
 */
export function defaultsFromStartScript(text: string): Partial<Credentials> {
  const find = (name: string) => {
    const shell = new RegExp(`\\$\\{${name}:-([^}]*)\\}`).exec(text)?.[1]?.replace(/^['"]|['"]$/g, '');
    const js = new RegExp(`\\b${name}['"]?\\s*[:=]\\s*(['"])([^'"]+)\\1`).exec(text)?.[2];
    return shell || js || undefined;
  };
  const result: Partial<Credentials> = {};
  const email = find('ADMIN_EMAIL');
  const password = find('ADMIN_PASSWORD');
  if (email) result.email = email;
  if (password) result.password = password;
  return result;
}

export interface RateLimitInfo {
  limit: number | null;
  remaining: number | null;
}

export function rateLimitInfo(result: HttpResult): RateLimitInfo {
  const read = (name: string) => {
    const value = Number(header(result, name));
    return Number.isFinite(value) && header(result, name) !== undefined ? value : null;
  };
  return { limit: read('x-ratelimit-limit'), remaining: read('x-ratelimit-remaining') };
}

/**
 * API requests a run will probably send (30 per user-second is well above what a user of this mix
 * achieves), to compare with the gateway's remaining rate-limit budget before starting.
 */
export function expectedRequests(users: number, durationSec: number, products: number) {
  const load = users * durationSec * 30;
  return { general: load + products + users * 3 + 100, auth: Math.ceil(load * 0.35) + users * 2 + 10 };
}

/**
 * Problems with the gateway's rate limits for a run of about `needed` API requests, of which
 * `neededAuth` go to /api/auth. Limits the gateway does not announce are not checked.
 */
export function rateLimitProblems(
  general: RateLimitInfo,
  auth: RateLimitInfo,
  needed: { general: number; auth: number },
): string[] {
  const problems: string[] = [];
  if (general.remaining !== null && general.remaining < needed.general) {
    problems.push(
      `the general limit has ${general.remaining} of ${general.limit} requests left in its window, ` +
        `this run may send up to ${needed.general}`,
    );
  }
  if (auth.remaining !== null && auth.remaining < needed.auth) {
    problems.push(
      `the auth limit has ${auth.remaining} of ${auth.limit} requests left in its window, ` +
        `this run may send up to ${needed.auth} to /api/auth`,
    );
  }
  return problems;
}

export interface SeededProduct {
  id: string;
  sku: string;
  initialStock: number;
}

export interface Fixtures {
  runId: string;
  /** Category names used by the filter queries. */
  categories: string[];
  searchTerms: string[];
  /** Products whose detail pages the browsing users open (catalog + the run's own). */
  browseProductIds: string[];
  /** The run's own products: orders only buy these, so the inventory check covers every sale. */
  products: SeededProduct[];
}

function expect(result: HttpResult, statuses: number[], what: string): void {
  if (!statuses.includes(result.status)) {
    throw new SetupError(
      `${what}: expected ${statuses.join('/')}, got ${result.status || 'no response'} (${describeFailure(result)})`,
    );
  }
}

/** Runs `task` over items with at most `limit` in flight. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
) {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** GET /health must answer 200; a stack that is still settling gets a few seconds. */
export async function checkHealth(http: HttpClient, attempts = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const result = await http.send('GET', '/health');
    if (result.status === 200) return;
    if (attempt >= attempts) {
      if (result.status === 0) {
        throw new SetupError(
          `cannot reach ${http.origin}/health (${result.error}); is the stack running (npm start)?`,
        );
      }
      expect(result, [200], 'GET /health (the stack must be healthy before a run)');
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

export interface AdminSession {
  token: string;
  authLimits: RateLimitInfo;
}

export async function adminLogin(http: HttpClient, admin: Credentials): Promise<AdminSession> {
  const result = await http.send('POST', '/api/auth/login', { json: admin });
  if (result.status === 401) {
    throw new SetupError(
      `admin login as ${admin.email} refused (401): set ADMIN_EMAIL / ADMIN_PASSWORD to the admin the stack was started with`,
    );
  }
  expect(result, [200], `admin login as ${admin.email}`);
  const body = parseJson<{ accessToken?: string; user?: { role?: string } }>(result);
  if (!body?.accessToken) throw new SetupError('admin login answered without an accessToken');
  if (body.user?.role && body.user.role !== 'admin') {
    throw new SetupError(
      `${admin.email} is not an admin (role ${body.user.role}); set ADMIN_EMAIL / ADMIN_PASSWORD`,
    );
  }
  return { token: body.accessToken, authLimits: rateLimitInfo(result) };
}

export async function generalLimits(http: HttpClient): Promise<RateLimitInfo> {
  const result = await http.send('GET', '/api/categories');
  expect(result, [200], 'GET /api/categories');
  return rateLimitInfo(result);
}

async function ensureCategory(http: HttpClient, token: string): Promise<void> {
  const created = await http.send('POST', '/api/categories', {
    token,
    json: { name: LOAD_TEST_CATEGORY, description: 'Products created by the load-test tool (load-tests/)' },
  });
  expect(created, [201, 409], `create category "${LOAD_TEST_CATEGORY}"`);
}

/** Short words that occur in product names, for the search queries. */
export function searchTermsFrom(names: readonly string[], max = 8): string[] {
  const counts = new Map<string, number>();
  for (const name of names) {
    for (const word of name.toLowerCase().split(/[^a-z0-9]+/)) {
      if (word.length >= 4 && !/^\d+$/.test(word)) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([word]) => word);
}

export interface SeedOptions {
  runId: string;
  products: number;
  stock: number;
  seed: number;
}

/** Creates the run's own products (unique SKU prefix) and reads what browsing needs. */
export async function seedCatalog(http: HttpClient, token: string, options: SeedOptions): Promise<Fixtures> {
  await ensureCategory(http, token);
  const rng = mulberry32(options.seed);
  const skuPrefix = `LT-${options.runId}-`;
  const products = await mapLimit(
    Array.from({ length: options.products }, (_, index) => index),
    8,
    async (index) => {
      const sku = `${skuPrefix}${String(index + 1).padStart(3, '0')}`;
      const result = await http.send('POST', '/api/products', {
        token,
        json: {
          name: `Load Test Widget ${options.runId} #${index + 1}`,
          description: 'Created by the load-test tool; safe to delete.',
          price: randomInt(rng, 500, 20_000) / 100,
          category: LOAD_TEST_CATEGORY,
          stock: options.stock,
          sku,
        },
      });
      expect(result, [201], `create product ${sku}`);
      const body = parseJson<{ id?: string; stock?: number }>(result);
      if (!body?.id || typeof body.stock !== 'number')
        throw new SetupError(`create product ${sku}: no id/stock in answer`);
      return { id: body.id, sku, initialStock: body.stock };
    },
  );

  const categoriesResult = await http.send('GET', '/api/categories');
  expect(categoriesResult, [200], 'GET /api/categories');
  const categories = (parseJson<{ items?: Array<{ name?: string }> }>(categoriesResult)?.items ?? [])
    .map((category) => category.name)
    .filter((name): name is string => typeof name === 'string');

  const listResult = await http.send('GET', '/api/products?limit=100&sort=-createdAt');
  expect(listResult, [200], 'GET /api/products');
  const listed = parseJson<{ items?: Array<{ id?: string; name?: string }> }>(listResult)?.items ?? [];
  const catalogIds = listed.map((item) => item.id).filter((id): id is string => typeof id === 'string');
  const names = listed.map((item) => item.name).filter((name): name is string => typeof name === 'string');
  const terms = searchTermsFrom(names.filter((name) => !name.startsWith('Load Test')));

  return {
    runId: options.runId,
    categories: categories.length > 0 ? categories.slice(0, 10) : [LOAD_TEST_CATEGORY],
    searchTerms: terms.length > 0 ? terms : ['widget', 'load'],
    browseProductIds: [...new Set([...catalogIds.slice(0, 60), ...products.map((product) => product.id)])],
    products,
  };
}

export interface Buyer extends Credentials {
  userId: string;
}

/** Registers buyer accounts (not measured); each virtual user logs in with one, once. */
export async function createBuyers(
  http: HttpClient,
  runId: string,
  from: number,
  to: number,
): Promise<Buyer[]> {
  return mapLimit(
    Array.from({ length: Math.max(0, to - from) }, (_, offset) => from + offset),
    8,
    async (index) => {
      const credentials = {
        email: `lt-${runId}-buyer-${index}@loadtest.example.com`,
        password: BUYER_PASSWORD,
      };
      const result = await http.send('POST', '/api/auth/register', {
        json: { ...credentials, name: `Load Test Buyer ${index}` },
      });
      expect(result, [201], `register buyer ${credentials.email}`);
      const userId = parseJson<{ user?: { id?: unknown } }>(result)?.user?.id;
      if (typeof userId !== 'string')
        throw new SetupError(`register buyer ${credentials.email}: no user.id in answer`);
      return { ...credentials, userId };
    },
  );
}

/** Deletes the run's own products (after the inventory check), so runs do not grow the catalog. */
export async function deleteProducts(
  http: HttpClient,
  token: string,
  products: readonly SeededProduct[],
): Promise<{ deleted: number; failed: number }> {
  const results = await mapLimit(products, 8, async (product) => {
    const result = await http.send('DELETE', `/api/products/${product.id}`, { token });
    return result.status === 204 || result.status === 404;
  });
  const deleted = results.filter(Boolean).length;
  return { deleted, failed: results.length - deleted };
}
