import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpError } from '../src/errors';
import { createHttpApp } from '../src/http-app';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics';
import { parseInput } from '../src/validation';

function appWith(mount: (app: express.Express) => void) {
  return createHttpApp(
    { service: 'test', logger: createLogger('test', 'silent'), metrics: createMetrics('test') },
    mount,
  );
}

describe('error rendering', () => {
  it('renders an HttpError with its status, details and headers', async () => {
    const app = appWith((a) =>
      a.get('/busy', () => {
        throw HttpError.serviceUnavailable('Try later', 7);
      }),
    );
    const response = await request(app).get('/busy');
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('7');
    expect(Object.keys(response.body).sort()).toEqual(['error', 'requestId', 'status', 'timestamp']);
  });

  it('answers an unexpected error with a bare 500, without its message or stack', async () => {
    const app = appWith((a) =>
      a.get('/boom', async () => {
        throw new Error('database password is hunter2');
      }),
    );
    const response = await request(app).get('/boom');
    expect(response.status).toBe(500);
    expect(response.body.error).toBe('Internal server error');
    expect(JSON.stringify(response.body)).not.toContain('hunter2');
  });

  it('turns a failed zod parse into a 400 listing each problem', async () => {
    const schema = z.strictObject({ quantity: z.number().int().min(1) });
    const app = appWith((a) =>
      a.post('/things', (req, res) => {
        res.json(parseInput(schema, req.body, 'body'));
      }),
    );
    const response = await request(app).post('/things').send({ quantity: 0, $where: '1' });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('Invalid request body');
    expect(response.body.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'quantity' }),
        expect.objectContaining({ path: '' }),
      ]),
    );
  });

  it('reports readiness as 503 naming the failing dependency', async () => {
    const app = createHttpApp(
      {
        service: 'test',
        logger: createLogger('test', 'silent'),
        metrics: createMetrics('test'),
        readinessChecks: {
          mongo: async () => undefined,
          redis: async () => Promise.reject(new Error('down')),
        },
      },
      () => undefined,
    );
    const response = await request(app).get('/ready');
    expect(response.status).toBe(503);
    expect(response.body.checks).toEqual({ mongo: 'up', redis: 'down' });
  });
});
