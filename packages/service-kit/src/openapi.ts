import type { RequestHandler } from 'express';
import { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One public route, described with the very zod schemas its handler validates with. */
export interface RouteDoc {
  method: HttpMethod;
  /** Express-style path as the service mounts it, e.g. `/products/:id`. */
  path: string;
  summary: string;
  tags: string[];
  /** `bearer`: any signed-in user; `admin`: an admin token. Omitted: public. */
  auth?: 'bearer' | 'admin';
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  headers?: Array<{ name: string; description: string; required?: boolean }>;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
}

type JsonSchema = Record<string, unknown>;

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error', 'timestamp', 'status'],
  properties: {
    error: { type: 'string' },
    timestamp: { type: 'string', format: 'date-time' },
    status: { type: 'integer' },
    requestId: { type: 'string' },
    details: {},
  },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** `/products/:id` → `/products/{id}` */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

function parametersOf(schema: z.ZodType | undefined, location: 'path' | 'query') {
  if (!schema) return [];
  const described = jsonSchema(schema, 'input') as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(described.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (described.required ?? []).includes(name),
    schema: property,
  }));
}

function operationOf(route: RouteDoc) {
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const schema = response.schema
      ? jsonSchema(response.schema, 'output')
      : Number(status) >= 400
        ? errorSchema
        : undefined;
    responses[status] = schema
      ? { description: response.description, content: { 'application/json': { schema } } }
      : { description: response.description };
  }
  const headerParameters = (route.headers ?? []).map((header) => ({
    name: header.name,
    in: 'header',
    required: header.required ?? false,
    description: header.description,
    schema: { type: 'string' },
  }));
  return {
    summary: route.summary,
    tags: route.tags,
    ...(route.auth ? { security: [{ bearerAuth: [] }] } : {}),
    ...(route.auth === 'admin' ? { 'x-required-role': 'admin' } : {}),
    parameters: [
      ...parametersOf(route.params, 'path'),
      ...parametersOf(route.query, 'query'),
      ...headerParameters,
    ],
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(info: { title: string; version: string }, routes: RouteDoc[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = toOpenApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operationOf(route) };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: errorSchema },
    },
  };
}

/** Serves the document built once at start; the gateway merges every service's into one. */
export function openApiHandler(info: { title: string; version: string }, routes: RouteDoc[]): RequestHandler {
  const document = buildOpenApiDocument(info, routes);
  return (_req, res) => {
    res.json(document);
  };
}
