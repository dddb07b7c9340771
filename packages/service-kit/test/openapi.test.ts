import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpApp } from '../src/http-app';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics';
import { buildOpenApiDocument, type RouteDoc, toOpenApiPath } from '../src/openapi';
import { json, routeGroup } from '../src/route-docs';
import { idParamsSchema, paginationShape } from '../src/validation';

describe('buildOpenApiDocument', () => {
  const document = buildOpenApiDocument({ title: 't', version: '1' }, [
    {
      method: 'get',
      path: '/things/:id',
      summary: 'One thing',
      tags: ['Things'],
      params: idParamsSchema,
      responses: {
        200: { description: 'ok', schema: z.object({ name: z.string() }) },
        404: { description: 'missing' },
      },
    },
    {
      method: 'post',
      path: '/things',
      summary: 'Create',
      tags: ['Things'],
      auth: 'admin',
      query: z.strictObject(paginationShape),
      body: z.strictObject({ name: z.string().min(1) }),
      responses: { 201: { description: 'created' } },
    },
  ]);

  it('declares the answers every route can give: 400 (a query parameter at least), 415 where a body is read, 401/403 where a token is needed', () => {
    const get = document.paths['/things/{id}']!.get as Record<string, any>;
    const post = document.paths['/things']!.post as Record<string, any>;
    expect(Object.keys(get.responses).sort()).toEqual(['200', '400', '404']);
    expect(Object.keys(post.responses).sort()).toEqual(['201', '400', '401', '403', '415']);
    const bare = buildOpenApiDocument({ title: 't', version: '1' }, [
      { method: 'get', path: '/all', summary: 'All', tags: [], responses: { 200: { description: 'ok' } } },
    ]);
    expect(Object.keys((bare.paths['/all']!.get as Record<string, any>).responses).sort()).toEqual([
      '200',
      '400',
    ]);
  });

  it('documents an optional query parameter as possibly empty when the route drops empty ones', () => {
    const listed = buildOpenApiDocument({ title: 't', version: '1' }, [
      {
        method: 'get',
        path: '/things',
        summary: 'List',
        tags: [],
        query: z.strictObject({ q: z.string().min(1).optional() }),
        emptyQueryIsAbsent: true,
        responses: { 200: { description: 'ok' } },
      },
    ]);
    const q = (listed.paths['/things']!.get as Record<string, any>).parameters[0];
    expect(q.schema).toEqual({ anyOf: [{ const: '' }, { type: 'string', minLength: 1 }] });
  });

  it('turns express paths into OpenAPI templates', () => {
    expect(toOpenApiPath('/a/:id/b/:other')).toBe('/a/{id}/b/{other}');
    expect(Object.keys(document.paths)).toEqual(['/things/{id}', '/things']);
  });

  it('describes parameters, bodies, security and the common error shape from the zod schemas', () => {
    const get = document.paths['/things/{id}']!.get as Record<string, any>;
    expect(get.parameters[0]).toMatchObject({
      name: 'id',
      in: 'path',
      required: true,
      schema: { type: 'string' },
    });
    expect(get.responses['404'].content['application/json'].schema.required).toEqual([
      'error',
      'timestamp',
      'status',
    ]);
    const post = document.paths['/things']!.post as Record<string, any>;
    expect(post.security).toEqual([{ bearerAuth: [] }]);
    expect(post.parameters.map((p: { name: string }) => p.name)).toEqual(['page', 'limit']);
    expect(post.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      required: ['name'],
      additionalProperties: false,
    });
  });
});

describe('methods a documented path does not have', () => {
  const routes: RouteDoc[] = [
    { method: 'get', path: '/things', summary: 'list', tags: [], responses: { 200: { description: 'ok' } } },
    { method: 'post', path: '/things', summary: 'add', tags: [], responses: { 201: { description: 'ok' } } },
    {
      method: 'put',
      path: '/things/:id',
      summary: 'put',
      tags: [],
      responses: { 200: { description: 'ok' } },
    },
  ];
  const app = createHttpApp(
    {
      service: 'test',
      logger: createLogger('test', 'silent'),
      metrics: createMetrics('test'),
      documentedRoutes: routes,
    },
    (a) => {
      a.get('/things', (_req, res) => res.json([]));
      a.post('/things', (_req, res) => res.status(201).json({}));
      a.put('/things/:id', (_req, res) => res.json({}));
    },
  );

  it.each([
    ['TRACE', '/things', 'GET, HEAD, POST'],
    ['DELETE', '/Things/', 'GET, HEAD, POST'],
    ['PATCH', '/things/42', 'PUT'],
  ])('when %s %s is asked, then 405 with Allow: %s', async (method, path, allow) => {
    const res = await request(app)[method.toLowerCase() as 'trace'](path);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe(allow);
    if (method !== 'TRACE') expect(res.body).toMatchObject({ status: 405 });
  });

  it('when the path is not documented at all, then it stays a 404', async () => {
    expect((await request(app).trace('/elsewhere')).status).toBe(404);
  });
});

describe('routeGroup', () => {
  const route = routeGroup({ tags: ['Things'], auth: 'bearer' });
  const schema = z.object({ name: z.string() });

  it('gives every route the group tags and auth, expands a bare description and keeps a json() answer', () => {
    expect(
      route('get', '/things/:id', 'One thing', {
        params: idParamsSchema,
        responses: { 200: json('ok', schema), 404: 'missing' },
      }),
    ).toEqual({
      method: 'get',
      path: '/things/:id',
      summary: 'One thing',
      tags: ['Things'],
      auth: 'bearer',
      params: idParamsSchema,
      responses: { 200: { description: 'ok', schema }, 404: { description: 'missing' } },
    });
  });

  it('lets one route of the group choose other tags or a stricter auth', () => {
    const doc = route('delete', '/things/:id', 'Delete', {
      tags: ['Admin'],
      auth: 'admin',
      responses: { 204: 'gone' },
    });
    expect(doc).toMatchObject({
      tags: ['Admin'],
      auth: 'admin',
      responses: { 204: { description: 'gone' } },
    });
  });
});
