import { describe, expect, it } from 'vitest';
import { classify } from '../src/endpoints';
import { checkInventory } from '../src/inventory';
import { Recorder } from '../src/recorder';
import {
  escapeHtml,
  latencyChartSvg,
  niceCeil,
  renderCapacityText,
  renderHtml,
  renderText,
  type RunReport,
} from '../src/report';
import { SCENARIOS } from '../src/scenarios';
import { summarizeRecorder } from '../src/summary';
import { allPassed, evaluateThresholds } from '../src/thresholds';

function recordSome(): Recorder {
  const recorder = new Recorder(0);
  recorder.userStarted(0);
  recorder.userStarted(10);
  recorder.record({ endpoint: 'health', completedAt: 100, latencyMs: 2, status: 200 });
  recorder.record({ endpoint: 'browse.list', completedAt: 200, latencyMs: 10, status: 200, cache: 'HIT' });
  recorder.record({
    endpoint: 'browse.detail',
    completedAt: 1200,
    latencyMs: 30,
    status: 200,
    cache: 'MISS',
  });
  recorder.record({ endpoint: 'register', completedAt: 1300, latencyMs: 80, status: 201 });
  recorder.record({
    endpoint: 'register',
    completedAt: 1400,
    latencyMs: 90,
    status: 500,
    error: 'Internal error',
  });
  recorder.record({ endpoint: 'orders.create', completedAt: 1500, latencyMs: 40, status: 409 });
  recorder.record({ endpoint: 'orders.create', completedAt: 1600, latencyMs: 40, status: 201 });
  recorder.record({ endpoint: 'orders.login', completedAt: 1700, latencyMs: 60, status: 429 });
  recorder.record({ endpoint: 'health', completedAt: 2000, latencyMs: 5000, status: 0, error: 'ECONNRESET' });
  return recorder;
}

export function sampleReport(): RunReport {
  const summary = summarizeRecorder(recordSome());
  const inventory = checkInventory([{ productId: 'p1', initial: 10, final: 9 }], new Map([['p1', 1]]));
  const orders = { attempted: 2, placed: 1, stockouts: 1, unitsOrdered: 1 };
  const thresholds = evaluateThresholds(SCENARIOS.smoke.thresholds, {
    overall: summary.overall,
    orders,
    inventory,
  });
  return {
    tool: '@ecom/load-tests',
    scenario: 'smoke',
    command: 'npm run load -- --scenario smoke',
    baseUrl: 'http://127.0.0.1:3000',
    seed: 1,
    users: 2,
    durationSec: 10,
    rampSec: 0,
    requestCap: 10_000,
    stoppedBy: 'duration',
    startedAt: '2026-01-01T00:00:00.000Z',
    elapsedSec: summary.elapsedSec,
    environment: {
      node: 'v20',
      platform: 'linux',
      cpus: 2,
      cpuModel: 'cpu',
      loadAverage: [1, 1, 1],
      generatorCpuSeconds: 0.5,
    },
    rateLimits: { general: 100_000_000, auth: 100_000_000 },
    overall: summary.overall,
    groups: summary.groups,
    endpoints: summary.endpoints,
    timeline: summary.timeline,
    failures: summary.failures,
    browsingCache: summary.groups.find((group) => group.name === 'browsing')?.cache ?? null,
    serverCache: null,
    orders,
    inventory,
    services: [
      {
        name: 'product-service',
        url: 'http://127.0.0.1:3002/metrics',
        reachable: true,
        cpuSeconds: 1.5,
        cpuPercent: 15,
        rssStartMb: 80,
        rssEndMb: 90,
        rssPeakMb: 95,
      },
      {
        name: 'order-service',
        url: 'http://127.0.0.1:3003/metrics',
        reachable: false,
        cpuSeconds: null,
        cpuPercent: null,
        rssStartMb: null,
        rssEndMb: null,
        rssPeakMb: null,
        error: 'ECONNREFUSED',
      },
    ],
    thresholds,
    passed: allPassed(thresholds),
    notes: [],
  };
}

describe('classify', () => {
  it('separates expected statuses, stock-outs, 429s and failures', () => {
    expect(classify('orders.create', 201)).toBe('ok');
    expect(classify('orders.create', 409)).toBe('stockout');
    expect(classify('register', 409)).toBe('failed');
    expect(classify('register', 200)).toBe('failed');
    expect(classify('health', 429)).toBe('rate_limited');
    expect(classify('health', 503)).toBe('failed');
    expect(classify('health', 0)).toBe('failed');
  });
});

describe('summarizeRecorder', () => {
  it('aggregates per endpoint, per group and overall', () => {
    const summary = summarizeRecorder(recordSome());
    expect(summary.overall).toMatchObject({ requests: 9, ok: 5, failed: 2, stockouts: 1, rateLimited: 1 });
    expect(summary.overall.successRate).toBeCloseTo(5 / 9, 4);
    // The network error has no latency; the other 8 do.
    expect(summary.overall.latency.count).toBe(8);
    expect(summary.overall.statuses).toMatchObject({
      '200': 3,
      '201': 2,
      '409': 1,
      '429': 1,
      '500': 1,
      network_error: 1,
    });
    const browsing = summary.groups.find((group) => group.name === 'browsing')!;
    expect(browsing.cache).toEqual({ hits: 1, misses: 1, hitRatio: 0.5 });
    const registration = summary.groups.find((group) => group.name === 'registration')!;
    expect(registration).toMatchObject({ requests: 2, ok: 1, failed: 1 });
    expect(summary.endpoints.map((endpoint) => endpoint.name)).toEqual([
      'register',
      'browse.list',
      'browse.detail',
      'orders.login',
      'orders.create',
      'health',
    ]);
    expect(summary.elapsedSec).toBe(2);
    expect(summary.overall.rps).toBe(4.5);
  });

  it('keeps a per-second timeline and the first failures', () => {
    const summary = summarizeRecorder(recordSome());
    expect(summary.timeline.map((point) => point.requests)).toEqual([2, 6, 1]);
    expect(summary.timeline[1]).toMatchObject({ failed: 1, stockouts: 1, rateLimited: 1, activeUsers: 2 });
    expect(summary.failures.map((failure) => [failure.endpoint, failure.status])).toEqual([
      ['register', 500],
      ['health', 0],
    ]);
    expect(summary.failures[1]!.error).toBe('ECONNRESET');
  });
});

describe('renderText', () => {
  it('shows groups, overall, separate 409/429 counts, inventory and the verdict', () => {
    const text = renderText(sampleReport());
    expect(text).toContain('Load test "smoke"');
    for (const group of ['registration', 'browsing', 'orders', 'health', 'OVERALL'])
      expect(text).toContain(group);
    expect(text).toMatch(/p50 ms\s+p90 ms\s+p95 ms\s+p99 ms\s+max ms/);
    expect(text).toContain('Inventory invariant: PASS');
    expect(text).toContain('1 stock-outs (409)');
    expect(text).toContain('FAIL  failed requests: 2 (<= 0)');
    expect(text).toContain('order-service: /metrics unreachable (ECONNREFUSED)');
    expect(text).toMatch(/product-service\s+1\.50\s+15\.0\s+80\.0\s+90\.0\s+95\.0/);
    expect(text).toContain('register status 500: Internal error');
    expect(text.trimEnd().endsWith('Result: FAIL')).toBe(true);
  });
});

describe('an open-model run', () => {
  const openReport = (): RunReport => ({
    ...sampleReport(),
    users: 300,
    open: {
      plan: { from: 300, to: 300, rampSec: 0 },
      offered: 6000,
      started: 5940,
      dropped: 60,
      completed: 5940,
      offeredRate: 300,
      achievedRate: 297,
      maxInFlight: 300,
      startLagP99Ms: 2.5,
    },
  });

  it('shows offered vs achieved rate and the dropped arrivals, in text and HTML', () => {
    const line =
      'Rate: offered 300.0/s (6000 arrivals), achieved 297.0/s (5940 completed), dropped 60 (1.00%)';
    expect(renderText(openReport())).toContain(line);
    expect(renderText(openReport())).toContain('open model, 300 arrivals/s, 10 s, at most 300 in flight');
    expect(renderHtml(openReport())).toContain(line);
    expect(renderText(sampleReport())).not.toContain('Rate: offered');
  });
});

describe('renderCapacityText', () => {
  it("lists each scenario's steps and ends with the sustainable rate of each", () => {
    const step = { offeredRate: 0, achievedRate: 0, dropped: 0, requests: 10, failed: 0, p50: 3, p99: 9 };
    const text = renderCapacityText(
      [
        {
          scenario: 'browse',
          sustainableRate: 15,
          steps: [
            { ...step, rate: 10, passed: true, reason: '' },
            { ...step, rate: 15, passed: true, reason: '' },
            { ...step, rate: 23, passed: false, reason: 'p99 900 ms ≥ 500' },
          ],
        },
        {
          scenario: 'checkout',
          sustainableRate: null,
          steps: [{ ...step, rate: 10, passed: false, reason: 'x' }],
        },
      ],
      { p99Ms: 500, maxErrorsPercent: 1 },
      checkInventory([], new Map()),
      [],
    );
    expect(text).toMatch(/23\s+FAIL.*p99 900 ms ≥ 500/);
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'Capacity (p99 < 500 ms, errors ≤ 1%): browse 15/s, checkout none',
    );
  });
});

describe('renderHtml', () => {
  it('is a self-contained page with the latency and throughput charts', () => {
    const html = renderHtml(sampleReport());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<svg');
    expect(html).toContain('Latency per second');
    expect(html).toContain('Throughput per second');
    expect(html).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1|www\.w3\.org)/);
  });

  it('escapes what came from the server', () => {
    const report = sampleReport();
    report.failures[0]!.error = '<img src=x onerror=alert(1)>';
    expect(renderHtml(report)).not.toContain('<img');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });
});

describe('charts', () => {
  it('scales the y axis to a round number above the highest p99', () => {
    expect(niceCeil(0)).toBe(1);
    expect(niceCeil(7)).toBe(10);
    expect(niceCeil(101)).toBe(200);
    expect(niceCeil(450)).toBe(500);
    expect(niceCeil(1000)).toBe(1000);
    expect(niceCeil(2059, [1, 1.5, 2, 2.5, 3, 5, 10])).toBe(2500);
    const svg = latencyChartSvg([
      {
        second: 0,
        activeUsers: 1,
        requests: 5,
        failed: 0,
        stockouts: 0,
        rateLimited: 0,
        p50: 10,
        p95: 40,
        p99: 90,
        max: 95,
      },
      {
        second: 1,
        activeUsers: 1,
        requests: 5,
        failed: 0,
        stockouts: 0,
        rateLimited: 0,
        p50: 12,
        p95: 45,
        p99: 95,
        max: 99,
      },
    ]);
    expect(svg).toContain('>100</text>');
    expect(svg.match(/<polyline/g)).toHaveLength(3);
  });

  it('draws an empty run without NaN', () => {
    expect(latencyChartSvg([])).not.toContain('NaN');
  });
});
