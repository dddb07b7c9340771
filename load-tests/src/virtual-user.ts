import type { EndpointName, Group, Outcome } from './endpoints';
import { describeFailure, header, type HttpClient, type HttpResult, parseJson } from './http';
import { pickDistinct, pickOne, randomInt, type Rng, weightedChoice, type Weighted } from './prng';
import type { Recorder } from './recorder';
import type { Workload } from './scenarios';
import type { Credentials, Fixtures } from './setup';

/** Quantities of every order the tool saw answered with 201, per product. */
export class OrderLedger {
  readonly ordered = new Map<string, number>();
  readonly outOfStock = new Set<string>();
  attempted = 0;
  placed = 0;
  stockouts = 0;
  units = 0;

  constructor(readonly productIds: readonly string[]) {}

  inStock(): string[] {
    return this.productIds.filter((id) => !this.outOfStock.has(id));
  }

  placedOrder(items: ReadonlyArray<{ productId: string; quantity: number }>): void {
    this.placed++;
    for (const item of items) {
      this.ordered.set(item.productId, (this.ordered.get(item.productId) ?? 0) + item.quantity);
      this.units += item.quantity;
    }
  }

  /** A 409 names the short products; those with almost nothing left are not ordered again. */
  stockedOut(details: unknown): void {
    this.stockouts++;
    const items = (details as { items?: Array<{ productId?: unknown; available?: unknown }> } | undefined)
      ?.items;
    for (const item of items ?? []) {
      if (typeof item.productId === 'string' && (typeof item.available !== 'number' || item.available < 3)) {
        this.outOfStock.add(item.productId);
      }
    }
  }
}

export interface VirtualUserContext {
  index: number;
  rng: Rng;
  http: HttpClient;
  recorder: Recorder;
  fixtures: Fixtures;
  ledger: OrderLedger;
  /** The buyer account this user logs in with (once) before its first order. */
  buyer: Credentials;
  /** Makes registration emails unique across runs and max steps. */
  emailTag: string;
  thinkMs: number;
  workload: Workload;
  shouldStop(): boolean;
}

function mixOf(workload: Workload): Weighted<Group>[] {
  return Object.entries(workload.mix).map(([value, weight]) => ({ value: value as Group, weight }));
}

type BrowseKind = 'list' | 'filter' | 'search' | 'detail' | 'categories';

const BROWSE: Weighted<BrowseKind>[] = [
  { value: 'list', weight: 1 },
  { value: 'filter', weight: 1 },
  { value: 'search', weight: 1 },
  { value: 'detail', weight: 1 },
];

/** The browse scenario: the pages every shopper sees first. */
const CATALOG_ONLY: Weighted<BrowseKind>[] = [
  { value: 'list', weight: 2 },
  { value: 'detail', weight: 2 },
  { value: 'categories', weight: 1 },
];

const SORTS = ['-createdAt', 'price', '-price', 'name'] as const;
const PRICE_BANDS: ReadonlyArray<[number, number]> = [
  [0, 25],
  [25, 100],
  [100, 1000],
];

/** A small, fixed set of queries per kind, like real traffic's popular pages (so caches can work). */
export function browsePath(rng: Rng, kind: BrowseKind, fixtures: Fixtures): string {
  switch (kind) {
    case 'list':
      return `/api/products?page=${randomInt(rng, 1, 3)}&limit=20&sort=${pickOne(rng, SORTS)}`;
    case 'filter': {
      const [min, max] = pickOne(rng, PRICE_BANDS);
      const category = encodeURIComponent(pickOne(rng, fixtures.categories));
      return `/api/products?category=${category}&minPrice=${min}&maxPrice=${max}&inStock=true&limit=20`;
    }
    case 'search':
      return `/api/products?q=${encodeURIComponent(pickOne(rng, fixtures.searchTerms))}&limit=20`;
    case 'detail':
      return `/api/products/${pickOne(rng, fixtures.browseProductIds)}`;
    case 'categories':
      return '/api/categories';
  }
}

/**
 * One simulated shopper. The closed model loops `run()`; the open model (open-model.ts) calls
 * `step()` once per arrival on a user taken from its pool.
 */
export class VirtualUser {
  private token: string | undefined;
  private tokenValidUntil = 0;
  private registrations = 0;
  private readonly mix: Weighted<Group>[];
  /** The arrival's intended start (open model): its first request's latency is measured from it. */
  private intendedStart: number | undefined;

  constructor(private readonly ctx: VirtualUserContext) {
    this.mix = mixOf(ctx.workload);
  }

  async run(): Promise<void> {
    const { ctx } = this;
    while (!ctx.shouldStop()) {
      await this.step();
      if (ctx.thinkMs > 0 && !ctx.shouldStop())
        await new Promise((resolve) => setTimeout(resolve, ctx.thinkMs));
    }
  }

  /**
   * One action of the weighted mix (an order may log in first). With `intendedStart`, the first
   * request's latency counts from then, not from its send: time spent waiting for the generator
   * is part of what a user at that arrival would have seen (no coordinated omission).
   */
  async step(intendedStart?: number): Promise<void> {
    const { ctx } = this;
    this.intendedStart = intendedStart;
    switch (weightedChoice(ctx.rng, this.mix)) {
      case 'registration':
        await this.register();
        break;
      case 'browsing':
        await this.browse();
        break;
      case 'orders':
        await this.order();
        break;
      case 'health':
        this.record('health', await ctx.http.send('GET', '/health'));
        break;
    }
    this.intendedStart = undefined;
  }

  private record(endpoint: EndpointName, result: HttpResult): Outcome {
    const cache = header(result, 'x-cache');
    const since = this.intendedStart;
    this.intendedStart = undefined;
    return this.ctx.recorder.record({
      endpoint,
      completedAt: result.completedAt,
      latencyMs: since === undefined ? result.latencyMs : result.completedAt - since,
      status: result.status,
      cache: cache === 'HIT' || cache === 'MISS' ? cache : undefined,
      error: result.status === 0 ? result.error : describeFailure(result),
    });
  }

  private async register(): Promise<void> {
    const { ctx } = this;
    const n = ++this.registrations;
    const email = `lt-${ctx.emailTag}-u${ctx.index}-${n}@loadtest.example.com`;
    const result = await ctx.http.send('POST', '/api/auth/register', {
      json: { email, password: 'load-test-password-1', name: `Load User ${ctx.index}-${n}` },
    });
    this.record('register', result);
  }

  private async browse(): Promise<void> {
    const { ctx } = this;
    const kind = weightedChoice(ctx.rng, ctx.workload.catalogOnly ? CATALOG_ONLY : BROWSE);
    const result = await ctx.http.send('GET', browsePath(ctx.rng, kind, ctx.fixtures));
    this.record(`browse.${kind}`, result);
  }

  /** Logs in once (again only when the token is about to expire). */
  private async ensureToken(): Promise<boolean> {
    const { ctx } = this;
    if (this.token && performance.now() < this.tokenValidUntil) return true;
    const { email, password } = ctx.buyer;
    const result = await ctx.http.send('POST', '/api/auth/login', { json: { email, password } });
    if (this.record('orders.login', result) !== 'ok') return false;
    const body = parseJson<{ accessToken?: string; expiresIn?: number }>(result);
    if (!body?.accessToken) return false;
    this.token = body.accessToken;
    const lifetimeMs = (typeof body.expiresIn === 'number' ? body.expiresIn : 900) * 1000;
    this.tokenValidUntil = result.completedAt + Math.max(lifetimeMs - 60_000, lifetimeMs / 2);
    return true;
  }

  private async order(): Promise<void> {
    const { ctx } = this;
    if (!(await this.ensureToken())) return;
    const candidates = ctx.ledger.inStock();
    if (candidates.length === 0) return;
    const { maxLines, maxQuantity } = ctx.workload;
    const items = pickDistinct(ctx.rng, candidates, randomInt(ctx.rng, 1, maxLines)).map((productId) => ({
      productId,
      quantity: randomInt(ctx.rng, 1, maxQuantity),
    }));
    ctx.ledger.attempted++;
    const result = await ctx.http.send('POST', '/api/orders', { token: this.token, json: { items } });
    const outcome = this.record('orders.create', result);
    if (outcome === 'ok') {
      ctx.ledger.placedOrder(items);
    } else if (outcome === 'stockout') {
      ctx.ledger.stockedOut(parseJson<{ details?: unknown }>(result)?.details);
    } else if (result.status === 401) {
      this.token = undefined;
    }
  }
}

export async function runVirtualUser(ctx: VirtualUserContext): Promise<void> {
  await new VirtualUser(ctx).run();
}
