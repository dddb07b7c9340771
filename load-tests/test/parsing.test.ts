import { describe, expect, it } from 'vitest';
import { parseCli, ratePlan, UsageError } from '../src/args';
import { parsePrometheus, processSnapshot, sumOf } from '../src/prometheus';
import { metricsTargets, serverCacheDelta, usageFromSnapshots } from '../src/service-metrics';
import { defaultsFromStartScript, expectedRequests, rateLimitProblems, searchTermsFrom } from '../src/setup';
import { browsePath, OrderLedger } from '../src/virtual-user';
import { mulberry32 } from '../src/prng';
import { rampOffsets } from '../src/runner';

describe('parseCli', () => {
  it('reads the documented interface', () => {
    const options = parseCli(['--scenario', 'normal', '--users', '20', '--duration', '30'], {});
    expect(options).toMatchObject({
      scenario: 'normal',
      users: 20,
      durationSec: 30,
      baseUrl: undefined,
      seed: 1,
      products: 40,
      stock: 100_000,
      allowRateLimits: false,
      keepProducts: false,
    });
  });

  it('takes BASE_URL from the environment and trims a trailing slash', () => {
    expect(parseCli(['--scenario', 'smoke'], { BASE_URL: 'http://localhost:8080/' }).baseUrl).toBe(
      'http://localhost:8080',
    );
  });

  it('refuses unknown scenarios, bad numbers, unknown flags and remote targets', () => {
    expect(() => parseCli([], {})).toThrow(UsageError);
    expect(() => parseCli(['--scenario', 'soak'], {})).toThrow(/unknown scenario/);
    expect(() => parseCli(['--scenario', 'smoke', '--users', '0'], {})).toThrow(/--users/);
    expect(() => parseCli(['--scenario', 'smoke', '--users', '1.5'], {})).toThrow(/--users/);
    expect(() => parseCli(['--scenario', 'smoke', '--frobnicate'], {})).toThrow(UsageError);
    expect(() => parseCli(['--scenario', 'smoke', '--base-url', 'http://example.com'], {})).toThrow(
      /loopback/,
    );
    expect(
      parseCli(['--scenario', 'smoke', '--base-url', 'http://example.com'], { ALLOW_REMOTE: '1' }).baseUrl,
    ).toBe('http://example.com');
    expect(() => parseCli(['--scenario', 'smoke', '--duration', '5', '--ramp', '6'], {})).toThrow(/ramp/);
  });

  it('reads the open model and the capacity search', () => {
    expect(parseCli(['--scenario', 'browse', '--rate', '300', '--duration', '20'], {})).toMatchObject({
      rate: { from: 300, to: 300 },
      capacity: false,
    });
    expect(parseCli(['--scenario', 'browse', '--rate', '50:400.5'], {}).rate).toEqual({
      from: 50,
      to: 400.5,
    });
    expect(parseCli(['--capacity', '--p99', '250', '--max-errors', '0.5'], {})).toMatchObject({
      capacity: true,
      p99LimitMs: 250,
      maxErrorsPercent: 0.5,
    });
    expect(parseCli(['--capacity'], {})).toMatchObject({ p99LimitMs: 500, maxErrorsPercent: 1 });
    for (const bad of ['0', '10:0', 'fast', '-5', '1:2:3', '200000'])
      expect(() => parseCli(['--scenario', 'browse', '--rate', bad], {})).toThrow(/--rate/);
    expect(() => parseCli(['--scenario', 'max', '--rate', '10'], {})).toThrow(/max/);
    expect(() => parseCli(['--scenario', 'max', '--capacity'], {})).toThrow(/max/);
    expect(() => parseCli(['--capacity', '--max-errors', '101'], {})).toThrow(/--max-errors/);
  });

  it('turns --rate and --ramp into an arrival plan', () => {
    expect(ratePlan({ from: 300, to: 300 }, undefined, 20)).toEqual({ from: 300, to: 300, rampSec: 0 });
    expect(ratePlan({ from: 300, to: 300 }, 5, 20)).toEqual({ from: 0, to: 300, rampSec: 5 });
    expect(ratePlan({ from: 100, to: 300 }, undefined, 20)).toEqual({ from: 100, to: 300, rampSec: 20 });
    expect(ratePlan({ from: 100, to: 300 }, 10, 20)).toEqual({ from: 100, to: 300, rampSec: 10 });
  });

  it('allows --help without a scenario', () => {
    expect(parseCli(['--help'], {}).help).toBe(true);
  });
});

describe('parsePrometheus', () => {
  const text = `# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total{service="product-service"} 12.5
process_resident_memory_bytes{service="product-service"} 104857600
product_cache_requests_total{cache="product_list",result="hit",service="product-service"} 90
product_cache_requests_total{cache="product_list",result="miss",service="product-service"} 10
product_cache_requests_total{cache="product",result="hit",service="product-service"} 5
product_cache_requests_total{cache="category_list",result="miss",service="product-service"} 7
http_request_duration_seconds_bucket{le="+Inf",route="/a \\"b\\"",service="x"} 3
`;

  it('reads samples and labels, including escaped quotes and +Inf', () => {
    const samples = parsePrometheus(text);
    expect(samples).toHaveLength(7);
    expect(samples[6]!.labels).toMatchObject({ le: '+Inf', route: '/a "b"' });
    expect(sumOf(samples, 'process_cpu_seconds_total')).toBe(12.5);
    expect(sumOf(samples, 'missing_metric')).toBeNaN();
  });

  it('takes CPU, RSS and the product caches (not the category caches)', () => {
    const snapshot = processSnapshot(parsePrometheus(text), 1000);
    expect(snapshot).toEqual({
      at: 1000,
      cpuSeconds: 12.5,
      rssBytes: 104_857_600,
      dbCommands: Number.NaN,
      cache: { hit: 95, miss: 10, bypass: 0 },
    });
  });

  it('computes CPU and memory over a run', () => {
    const target = { name: 'product-service', url: 'x' };
    const usage = usageFromSnapshots(target, [
      {
        at: 0,
        cpuSeconds: 10,
        rssBytes: 100 * 1024 * 1024,
        dbCommands: 0,
        cache: { hit: 0, miss: 0, bypass: 0 },
      },
      { at: 5000, cpuSeconds: 12, rssBytes: 300 * 1024 * 1024, dbCommands: 10 },
      {
        at: 10_000,
        cpuSeconds: 15,
        rssBytes: 200 * 1024 * 1024,
        dbCommands: 25,
        cache: { hit: 90, miss: 10, bypass: 0 },
      },
    ]);
    expect(usage).toMatchObject({
      cpuSeconds: 5,
      cpuPercent: 50,
      rssStartMb: 100,
      rssEndMb: 200,
      rssPeakMb: 300,
      dbCommands: 25,
    });
    expect(
      serverCacheDelta([
        { at: 0, cpuSeconds: 0, rssBytes: 0, dbCommands: 0, cache: { hit: 10, miss: 5, bypass: 0 } },
        { at: 1, cpuSeconds: 0, rssBytes: 0, dbCommands: 0, cache: { hit: 100, miss: 15, bypass: 0 } },
      ]),
    ).toEqual({ hits: 90, misses: 10, hitRatio: 0.9 });
    expect(usageFromSnapshots(target, [])).toMatchObject({ reachable: false, cpuSeconds: null });
  });

  it('reads METRICS_TARGETS', () => {
    expect(
      metricsTargets({
        METRICS_TARGETS: 'gw=http://127.0.0.1:4000/metrics, user=http://127.0.0.1:4001/metrics',
      }),
    ).toEqual([
      { name: 'gw', url: 'http://127.0.0.1:4000/metrics' },
      { name: 'user', url: 'http://127.0.0.1:4001/metrics' },
    ]);
    expect(metricsTargets({}).map((target) => target.name)).toContain('product-service');
    expect(() => metricsTargets({ METRICS_TARGETS: 'nonsense' })).toThrow();
  });
});

describe('setup helpers', () => {
  it('finds the admin defaults in the start script', () => {
    const script =
      'export ADMIN_EMAIL="${ADMIN_EMAIL:-admin@example.com}"\nADMIN_PASSWORD=${ADMIN_PASSWORD:-\'s3cret-pass\'}\n';
    expect(defaultsFromStartScript(script)).toEqual({ email: 'admin@example.com', password: 's3cret-pass' });
    expect(defaultsFromStartScript('echo nothing')).toEqual({});
    const mjs =
      "if (x) {\n  defaults.ADMIN_EMAIL = 'admin@example.com';\n  defaults.ADMIN_PASSWORD = 'admin-dev-password';\n}";
    expect(defaultsFromStartScript(mjs)).toEqual({
      email: 'admin@example.com',
      password: 'admin-dev-password',
    });
    expect(
      defaultsFromStartScript('const d = { ADMIN_EMAIL: \'a@b.co\', ADMIN_PASSWORD: "pw-123456" }'),
    ).toEqual({
      email: 'a@b.co',
      password: 'pw-123456',
    });
  });

  it('flags rate limits the run would exhaust', () => {
    const needed = expectedRequests(10, 10, 40);
    // The gateway's defaults (5000 general, 500 auth per 15 min): smoke fits the first, not the second.
    const defaults = rateLimitProblems(
      { limit: 5000, remaining: 4990 },
      { limit: 500, remaining: 499 },
      needed,
    );
    expect(defaults).toHaveLength(1);
    expect(defaults[0]).toMatch(/auth limit has 499 of 500/);
    expect(
      rateLimitProblems(
        { limit: 5000, remaining: 4990 },
        { limit: 500, remaining: 499 },
        expectedRequests(50, 60, 40),
      ),
    ).toHaveLength(2);
    expect(
      rateLimitProblems({ limit: 1e8, remaining: 1e8 - 5 }, { limit: 1e8, remaining: 1e8 - 1 }, needed),
    ).toHaveLength(0);
    expect(
      rateLimitProblems({ limit: null, remaining: null }, { limit: null, remaining: null }, needed),
    ).toEqual([]);
    // The stress scenario fits in the limit suggested in the design notes (1,000,000).
    const stress = expectedRequests(100, 120, 40);
    expect(stress.general).toBeLessThan(1_000_000);
    expect(stress.auth).toBeLessThan(1_000_000);
  });

  it('derives search terms from product names', () => {
    expect(searchTermsFrom(['Blue Kettle', 'Red Kettle', 'Yoga Mat 2000', 'Kettle Lamp'])).toEqual([
      'kettle',
      'blue',
      'lamp',
      'yoga',
    ]);
  });
});

describe('virtual user helpers', () => {
  const fixtures = {
    runId: 'r',
    categories: ['Books & Media'],
    searchTerms: ['kettle'],
    browseProductIds: ['abc'],
    products: [],
  };

  it('builds browsing queries from a small fixed set', () => {
    const rng = mulberry32(1);
    expect(browsePath(rng, 'list', fixtures)).toMatch(/^\/api\/products\?page=[1-3]&limit=20&sort=/);
    expect(browsePath(rng, 'filter', fixtures)).toContain('category=Books%20%26%20Media');
    expect(browsePath(rng, 'search', fixtures)).toBe('/api/products?q=kettle&limit=20');
    expect(browsePath(rng, 'detail', fixtures)).toBe('/api/products/abc');
  });

  it('keeps the ordered quantities and stops ordering stocked-out products', () => {
    const ledger = new OrderLedger(['a', 'b', 'c']);
    ledger.placedOrder([
      { productId: 'a', quantity: 2 },
      { productId: 'b', quantity: 1 },
    ]);
    ledger.placedOrder([{ productId: 'a', quantity: 3 }]);
    expect(ledger.ordered).toEqual(
      new Map([
        ['a', 5],
        ['b', 1],
      ]),
    );
    expect(ledger.units).toBe(6);
    ledger.stockedOut({
      reason: 'insufficient_stock',
      items: [
        { productId: 'b', requested: 3, available: 1 },
        { productId: 'c', requested: 3, available: 50 },
      ],
    });
    expect(ledger.inStock()).toEqual(['a', 'c']);
    expect(ledger.stockouts).toBe(1);
  });

  it('spreads user starts evenly over the ramp', () => {
    expect(rampOffsets(4, 10)).toEqual([0, 2500, 5000, 7500]);
    expect(rampOffsets(3, 0)).toEqual([0, 0, 0]);
  });
});
