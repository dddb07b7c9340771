import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildOpenApiDocument, toOpenApiPath } from '../src/openapi';
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
