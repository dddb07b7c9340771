import express from 'express';
import { Registry } from 'prom-client';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createMetrics, metricsFactory, metricsMiddleware } from '../src/metrics';

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

describe('metricsMiddleware route labels', () => {
  /** An app with a mounted router: one route answers, one fails into the app's error handler. */
  function appWithRouter() {
    const metrics = createMetrics('route-labels');
    const app = express();
    app.use(metricsMiddleware(metrics));
    const router = express.Router();
    router.get('/items/:id', (_req, res) => {
      res.json({ ok: true });
    });
    router.get('/broken/:id', (_req, _res, next) => {
      next(new Error('boom'));
    });
    app.use('/api', router);
    app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ error: 'boom' });
    });
    return { app, metrics };
  }

  const counts = async (metrics: ReturnType<typeof createMetrics>) =>
    (await metrics.registry.getSingleMetricAsString('http_request_duration_seconds'))
      .split('\n')
      .filter((line) => line.startsWith('http_request_duration_seconds_count'));

  it('when routes answer, fail in a mounted router or match nothing, then each is labelled by its full pattern', async () => {
    const { app, metrics } = appWithRouter();
    await request(app).get('/api/items/1').expect(200);
    await request(app).get('/api/items/2').expect(200);
    await request(app).get('/api/broken/3').expect(500);
    await request(app).get('/nowhere').expect(404);

    const lines = await counts(metrics);
    expect(lines).toContainEqual(expect.stringMatching(/route="\/api\/items\/:id".*status_code="200".* 2$/));
    expect(lines).toContainEqual(expect.stringMatching(/route="\/api\/broken\/:id".*status_code="500".* 1$/));
    expect(lines).toContainEqual(expect.stringMatching(/route="unmatched".*status_code="404".* 1$/));
  });

  it('when a second app is tracked, then its requests get their patterns too', async () => {
    const first = appWithRouter();
    const second = appWithRouter();
    await request(first.app).get('/api/items/1').expect(200);
    await request(second.app).get('/api/broken/1').expect(500);

    expect(await counts(second.metrics)).toEqual([
      expect.stringMatching(/route="\/api\/broken\/:id".*status_code="500".* 1$/),
    ]);
  });
});
