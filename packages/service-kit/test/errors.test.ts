import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { DomainError } from '../src/domain-error';
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

  it.each([
    ['invalid', 400, {}],
    ['unauthenticated', 401, { 'www-authenticate': 'Bearer' }],
    ['forbidden', 403, {}],
    ['not_found', 404, {}],
    ['conflict', 409, {}],
    ['unprocessable', 422, {}],
    ['client_gone', 499, {}],
    ['unavailable', 503, { 'retry-after': '2' }],
  ] as const)(
    'renders a %s refusal as %i with its message, details and headers',
    async (refusal, status, headers) => {
      class Refused extends DomainError {}
      const app = appWith((a) =>
        a.get('/refused', () => {
          throw new Refused(refusal, 'Not like this', { details: { why: refusal }, retryAfterSeconds: 2 });
        }),
      );
      const response = await request(app).get('/refused');
      expect(response.status).toBe(status);
      expect(response.body).toMatchObject({ error: 'Not like this', status, details: { why: refusal } });
      expect(response.headers).toMatchObject(headers);
    },
  );

  it('answers an unavailable refusal without a stated wait with Retry-After 5', async () => {
    const app = appWith((a) =>
      a.get('/busy', () => {
        throw new DomainError('unavailable', 'Busy');
      }),
    );
    const response = await request(app).get('/busy');
    expect(response.headers['retry-after']).toBe('5');
  });

  it('answers another refusal with Retry-After only when it states a wait', async () => {
    const app = appWith((a) => {
      a.get('/in-flight', () => {
        throw new DomainError('conflict', 'Still working', { retryAfterSeconds: 1 });
      });
      a.get('/taken', () => {
        throw new DomainError('conflict', 'Taken');
      });
    });
    expect((await request(app).get('/in-flight')).headers['retry-after']).toBe('1');
    expect((await request(app).get('/taken')).headers['retry-after']).toBeUndefined();
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

  it('answers a duplicate key nobody translated with a bare 500: only its store knows whether it is a conflict', async () => {
    const app = appWith((a) =>
      a.post('/things', async () => {
        throw Object.assign(new Error('E11000 duplicate key error collection: shop.things index: secret_1'), {
          code: 11000,
        });
      }),
    );
    const response = await request(app).post('/things').send({});
    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ status: 500, error: 'Internal server error' });
    expect(JSON.stringify(response.body)).not.toMatch(/E11000|secret_1/);
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

describe('request bodies the client got wrong', () => {
  function loggedApp() {
    const lines: Array<Record<string, unknown>> = [];
    const stream = { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) };
    const app = createHttpApp(
      { service: 'test', logger: pino({ level: 'info' }, stream), metrics: createMetrics('test') },
      (a) => a.post('/things', (req, res) => res.json({ got: req.body })),
    );
    return { app, lines };
  }

  it.each(['gzip', 'deflate'])(
    'when a %s body cannot be inflated, then 400 in the error shape, logged as a warning without a stack',
    async (encoding) => {
      const { app, lines } = loggedApp();
      const response = await request(app)
        .post('/things')
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', encoding)
        .send(Buffer.from('this is not compressed at all'));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: 400, error: expect.any(String) });
      expect(lines.some((line) => (line.level as number) >= 50)).toBe(false);
      expect(JSON.stringify(lines)).not.toMatch(/"stack"/);
    },
  );

  it('when the body uses an encoding nobody supports, then 415', async () => {
    const { app } = loggedApp();
    const response = await request(app)
      .post('/things')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'x-unknown')
      .send('{}');
    expect(response.status).toBe(415);
  });

  it('when the client aborts its upload, then it is logged as a client error, not a server error', async () => {
    const { app, lines } = loggedApp();
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const req = http.request({ port, host: '127.0.0.1', path: '/things', method: 'POST' });
      req.setHeader('content-type', 'application/json');
      req.setHeader('content-length', '1000');
      req.on('error', () => undefined);
      req.write('{"a":');
      await new Promise((resolve) => setTimeout(resolve, 100));
      req.destroy();
      // Generous: on a loaded machine the abort reaches the server well after vi.waitFor's 1 s default.
      await vi.waitFor(
        () => expect(lines.some((line) => line.msg === 'request aborted' || line.res)).toBe(true),
        { timeout: 10_000 },
      );
      expect(lines.some((line) => (line.level as number) >= 50)).toBe(false);
      expect(JSON.stringify(lines)).not.toMatch(/"stack"/);
    } finally {
      server.close();
    }
  });
});
