import pino from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../src/errors';
import { createHttpApp } from '../src/http-app';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics';

describe('CORS', () => {
  it('lets browsers read the headers clients act on (request id, rate limits, replays, Location)', async () => {
    const app = createHttpApp(
      { service: 'test', logger: createLogger('test', 'silent'), metrics: createMetrics('test') },
      (a) => a.get('/x', (_req, res) => res.json({})),
    );
    const response = await request(app).get('/x').set('Origin', 'https://shop.example');
    expect(response.headers['access-control-allow-origin']).toBe('https://shop.example');
    const exposed = String(response.headers['access-control-expose-headers']).split(',');
    expect(exposed).toEqual(
      expect.arrayContaining([
        'X-Request-Id',
        'Retry-After',
        'X-RateLimit-Remaining',
        'RateLimit',
        'Idempotent-Replayed',
        'Location',
      ]),
    );
  });

  it('allows only the configured origins when a list is given', async () => {
    const app = createHttpApp(
      {
        service: 'test',
        logger: createLogger('test', 'silent'),
        metrics: createMetrics('test'),
        corsOrigins: ['https://shop.example'],
      },
      (a) => a.get('/x', (_req, res) => res.json({})),
    );
    const allowed = await request(app).get('/x').set('Origin', 'https://shop.example');
    const other = await request(app).get('/x').set('Origin', 'https://evil.example');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows no cross-origin caller when the list is empty (the production default)', async () => {
    const app = createHttpApp(
      {
        service: 'test',
        logger: createLogger('test', 'silent'),
        metrics: createMetrics('test'),
        corsOrigins: [],
      },
      (a) => a.get('/x', (_req, res) => res.json({})),
    );
    const res = await request(app).get('/x').set('Origin', 'https://evil.example');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('access log', () => {
  function appLogging(accessLog: 'all' | 'errors' | undefined) {
    const lines: Array<{ msg?: string; level?: number; res?: { statusCode?: number } }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const app = createHttpApp({ service: 'test', logger, metrics: createMetrics('test'), accessLog }, (a) =>
      a.get('/x', (_req, res) => res.json({})),
    );
    const completed = () => lines.filter((line) => line.msg === 'request completed');
    return { app, completed };
  }

  it('when every request is logged (the default), then a 200 gets a line', async () => {
    const { app, completed } = appLogging(undefined);
    await request(app).get('/x').expect(200);
    expect(completed()).toHaveLength(1);
  });

  it('when only errors are logged (a service behind the gateway), then a 200 gets none and a 404 gets one', async () => {
    const { app, completed } = appLogging('errors');
    await request(app).get('/x').expect(200);
    expect(completed()).toHaveLength(0);
    await request(app).get('/nothing-here').expect(404);
    expect(completed()).toMatchObject([{ res: { statusCode: 404 } }]);
  });
});

describe('log levels', () => {
  function appLogging() {
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const app = createHttpApp({ service: 'test', logger, metrics: createMetrics('test') }, (a) => {
      a.get('/busy', () => {
        throw HttpError.serviceUnavailable('Resource is busy, retry shortly', 1);
      });
      a.get('/broken', () => {
        throw new Error('bug');
      });
    });
    return { app, lines };
  }
  const WARN = 40;
  const ERROR = 50;

  it('when an answer is 503 (contention, a dependency restarting), then nothing is logged at error', async () => {
    const { app, lines } = appLogging();
    await request(app).get('/busy').expect(503);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.level >= ERROR)).toEqual([]);
    expect(lines.some((line) => line.level === WARN)).toBe(true);
  });

  it('when a handler fails unexpectedly, then it is logged at error', async () => {
    const { app, lines } = appLogging();
    await request(app).get('/broken').expect(500);
    expect(lines.some((line) => line.level === ERROR)).toBe(true);
  });
});
