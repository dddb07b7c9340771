import { startAndStop } from '@ecom/test-support';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { startUserService, useUserService, type UserServiceUnderTest } from './support/user-service';

let service: UserServiceUnderTest;
useUserService((started) => (service = started));

describe('HTTP plumbing shared by every service', () => {
  it('answers unknown routes with 404 in the error shape, without the path (behind the gateway an internal one)', async () => {
    const response = await request(service.app).get('/auth/nowhere');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ status: 404, error: 'Route not found' });
    expect(response.text).not.toContain('/auth');
  });

  it('answers malformed JSON with 400 and no stack trace', async () => {
    const response = await request(service.app)
      .post('/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"email": ');
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('Malformed JSON body');
    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.js/);
  });

  it.each([
    ['text/plain', '{"email":"a@b.co","password":"x"}'],
    ['application/x-www-form-urlencoded', 'email=a%40b.co&password=x'],
    [
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na@b.co\r\n--x--\r\n',
    ],
  ])('answers a %s body with 415: the API reads JSON only', async (type, body) => {
    const response = await request(service.app).post('/auth/login').set('Content-Type', type).send(body);
    expect(response.status).toBe(415);
    expect(response.body).toMatchObject({ status: 415, error: 'Request body must be application/json' });
  });

  it('still reads a JSON body with a charset, and a bodiless request of any type', async () => {
    const json = await request(service.app)
      .post('/auth/login')
      .set('Content-Type', 'application/json; charset=utf-8')
      .send('{"email":"nobody@example.com","password":"wrong password"}');
    expect(json.status).toBe(401);
    const empty = await request(service.app).post('/auth/logout').set('Content-Type', 'text/plain');
    expect(empty.status).toBe(400);
  });

  it('answers a body over the limit with 413', async () => {
    const response = await request(service.app)
      .post('/auth/register')
      .send({ email: 'big@example.com', password: 'x'.repeat(200_000), name: 'Big' });
    expect(response.status).toBe(413);
    expect(response.body.status).toBe(413);
  });

  it('echoes a well-formed X-Request-Id and generates one otherwise', async () => {
    const echoed = await request(service.app).get('/nowhere').set('X-Request-Id', 'trace-123');
    expect(echoed.headers['x-request-id']).toBe('trace-123');
    expect(echoed.body.requestId).toBe('trace-123');
    const generated = await request(service.app).get('/nowhere').set('X-Request-Id', 'bad id with spaces');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports liveness, and readiness of its dependencies', async () => {
    const health = await request(service.app).get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', service: 'user-service' });
    const ready = await request(service.app).get('/ready');
    expect(ready.status).toBe(200);
  });

  it('labels request metrics with the route pattern, not the raw URL', async () => {
    await request(service.app).post('/auth/login').send({ email: 'a@b.co', password: 'x' });
    const metrics = await request(service.app).get('/metrics');
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.text).toContain('http_request_duration_seconds_bucket');
    expect(metrics.text).toMatch(/route="\/auth\/login"/);
    expect(metrics.text).toMatch(/route="unmatched"/);
    expect(metrics.text).toMatch(/process_cpu_seconds_total\{service="user-service"\}/);
  });

  it('sets security headers and serves its OpenAPI document', async () => {
    const response = await request(service.app).get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining([
        '/auth/register',
        '/auth/login',
        '/auth/refresh',
        '/auth/logout',
        '/auth/profile',
      ]),
    );
    expect(
      response.body.paths['/auth/register'].post.requestBody.content['application/json'].schema,
    ).toMatchObject({
      required: expect.arrayContaining(['email', 'password', 'name']),
    });
  });
});

describe('the composition root', () => {
  it('when started, then it listens and is ready; when stopped, then its port refuses connections', async () => {
    const own = await startUserService();
    try {
      expect(await startAndStop(own)).toEqual({ readyStatus: 200, refusedAfterStop: true });
    } finally {
      await own.stop();
    }
  });
});
