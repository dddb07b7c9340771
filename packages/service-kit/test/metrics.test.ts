import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { metricsFactory } from '../src/metrics';

describe('metricsFactory', () => {
  it('registers counters, gauges and histograms with their name, help, labels and buckets', async () => {
    const registry = new Registry();
    const { counter, gauge, histogram } = metricsFactory(registry);
    counter('things_total', 'Things', ['kind']).inc({ kind: 'a' });
    gauge('queue_depth', 'Queued things').set(2);
    histogram('thing_seconds', 'Thing latency', ['kind'], [0.1, 1]).observe({ kind: 'a' }, 0.5);
    const text = await registry.metrics();
    expect(text).toContain(
      '# HELP things_total Things\n# TYPE things_total counter\nthings_total{kind="a"} 1',
    );
    expect(text).toContain('queue_depth 2');
    expect(text).toContain(
      'thing_seconds_bucket{le="0.1",kind="a"} 0\nthing_seconds_bucket{le="1",kind="a"} 1',
    );
  });

  it('sets a gauge at scrape time through its collect function', async () => {
    const registry = new Registry();
    let depth = 1;
    metricsFactory(registry).gauge('live_depth', 'Read when scraped', ['queue'], (live) => {
      live.set({ queue: 'q' }, depth);
    });
    depth = 7;
    expect(await registry.metrics()).toContain('live_depth{queue="q"} 7');
  });

  it('refuses a label the metric was not declared with', () => {
    const things = metricsFactory(new Registry()).counter('strict_total', 'Strict', ['kind']);
    expect(() => things.inc({ other: 'x' } as never)).toThrow(/label/i);
  });
});
