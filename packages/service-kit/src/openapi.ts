import type { RequestHandler } from 'express';
import { HttpError } from './errors';
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
  headers?: Array<{ name: string; description: string; required?: boolean; schema?: z.ZodType }>;
  /** The handler drops empty query parameters (`?q=`) before validating: they count as absent. */
  emptyQueryIsAbsent?: boolean;
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

function parametersOf(schema: z.ZodType | undefined, location: 'path' | 'query', emptyIsAbsent = false) {
  if (!schema) return [];
  const described = jsonSchema(schema, 'input') as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(described.properties ?? {}).map(([name, property]) => {
    const required = location === 'path' || (described.required ?? []).includes(name);
    return {
      name,
      in: location,
      required,
      schema: emptyIsAbsent && !required ? { anyOf: [{ const: '' }, property] } : property,
    };
  });
}

/**
 * Answers every route may give: 400 (every route validates some input, if only the query string,
 * see undocumentedQueryHandler); 415 where a body is read (createHttpApp's refuseNonJsonBodies);
 * a token can be missing or expired on every protected route; a customer meets 403 on admin
 * routes. Declared here once so no route can forget them.
 */
function impliedResponses(route: RouteDoc): Record<number, string> {
  const implied: Record<number, string> = { 400: 'Invalid request' };
  if (route.body) implied[415] = 'The body is not application/json';
  if (route.auth) implied[401] = 'Missing, invalid or expired access token';
  if (route.auth === 'admin') implied[403] = 'The token is not an admin token';
  return implied;
}

function operationOf(route: RouteDoc) {
  const responses: Record<string, unknown> = {};
  const implied = Object.entries(impliedResponses(route)).map(([status, description]) => [
    status,
    { description },
  ]);
  const declared = { ...Object.fromEntries(implied), ...route.responses } as RouteDoc['responses'];
  for (const [status, response] of Object.entries(declared)) {
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
    schema: header.schema ? jsonSchema(header.schema, 'input') : { type: 'string' },
  }));
  return {
    summary: route.summary,
    tags: route.tags,
    ...(route.auth ? { security: [{ bearerAuth: [] }] } : {}),
    ...(route.auth === 'admin' ? { 'x-required-role': 'admin' } : {}),
    parameters: [
      ...parametersOf(route.params, 'path'),
      ...parametersOf(route.query, 'query', route.emptyQueryIsAbsent),
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

const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** A documented path as Express matches it: case-insensitive, optional trailing slash. */
function pathPattern(path: string): RegExp {
  return new RegExp(`^${path.replace(/:\w+/g, '[^/]+')}/?$`, 'i');
}

/**
 * 400 for a query parameter on a documented route that documents none (`GET /products/:id?x=1`),
 * as the routes with a query schema refuse unknown ones: one rule for every route. Mounted before
 * the routes.
 */
export function undocumentedQueryHandler(
  routes: Array<Pick<RouteDoc, 'method' | 'path' | 'query'>>,
): RequestHandler {
  const withoutQuery = routes
    .filter((route) => !route.query)
    .map((route) => ({ method: route.method.toUpperCase(), pattern: pathPattern(route.path) }));
  return (req, _res, next) => {
    const names = Object.keys(req.query);
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const documentsNone = () =>
      withoutQuery.some((route) => route.method === method && route.pattern.test(req.path));
    if (names.length > 0 && documentsNone()) {
      throw HttpError.badRequest(
        'Invalid request query',
        names.map((name) => ({ path: name, message: 'unknown query parameter' })),
      );
    }
    next();
  };
}

/**
 * 405 with `Allow` for a documented path asked with a method it does not have (TRACE, or PATCH
 * where only PUT exists). Mounted after the routes, before the 404 handler; paths match the way
 * Express matches them (case-insensitive, optional trailing slash).
 */
export function methodNotAllowedHandler(routes: Array<Pick<RouteDoc, 'method' | 'path'>>): RequestHandler {
  const byPath = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  for (const route of routes) {
    const entry = byPath.get(route.path) ?? {
      pattern: pathPattern(route.path),
      methods: new Set<string>(),
    };
    entry.methods.add(route.method.toUpperCase());
    if (route.method === 'get') entry.methods.add('HEAD');
    byPath.set(route.path, entry);
  }
  return (req, _res, next) => {
    const methods = new Set<string>();
    for (const { pattern, methods: allowed } of byPath.values()) {
      if (pattern.test(req.path)) for (const method of allowed) methods.add(method);
    }
    if (methods.size === 0 || methods.has(req.method)) {
      next();
      return;
    }
    const allow = ROUTE_METHODS.filter((method) => methods.has(method)).join(', ');
    // No path in the message, as for 404: the service's path is not the one the client sent.
    throw new HttpError(405, `Method ${req.method} not allowed on this path`, {
      headers: { Allow: allow },
    });
  };
}

/** Serves the document built once at start; the gateway merges every service's into one. */
export function openApiHandler(info: { title: string; version: string }, routes: RouteDoc[]): RequestHandler {
  const document = buildOpenApiDocument(info, routes);
  return (_req, res) => {
    res.json(document);
  };
}
