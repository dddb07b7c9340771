import type { HttpMethod } from '@ecom/service-kit';
import { z } from 'zod';
import { gatewayHealthSchema, readinessSchema } from '../health/health-schema';
import type { OpenApiDocument } from './openapi-document';

/** The common error body ({error, timestamp, status, requestId?, details?}) every component sends. */
export const errorBodySchema = z.object({
  error: z.string(),
  timestamp: z.string(),
  status: z.number().int(),
  requestId: z.string().optional(),
  details: z.unknown().optional(),
});

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'output' });
  return rest;
}

const errorResponse = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
});

const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
};

/** Responses the gateway itself may give on any proxied route; added to every proxied operation. */
export const GATEWAY_RESPONSES: Record<string, unknown> = {
  '429': { $ref: '#/components/responses/TooManyRequests' },
  '503': { $ref: '#/components/responses/ServiceUnavailable' },
  '504': { $ref: '#/components/responses/GatewayTimeout' },
};

const json = (ref: string) => ({ 'application/json': { schema: { $ref: ref } } });

/** The gateway's own routes and shared components; upstream sections are merged into this. */
export function gatewayDocument(): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: {
      title: 'E-commerce API',
      version: '1.0.0',
      description:
        'Public API of the e-commerce backend, served by the API gateway. Assembled from the ' +
        "services' own documents; `x-unavailable` lists services whose section is missing right now.",
    },
    tags: [{ name: 'Gateway', description: 'Health and documentation of the gateway itself' }],
    paths: {
      '/health': {
        get: {
          tags: ['Gateway'],
          operationId: 'gatewayHealth',
          summary: 'Gateway status with the readiness and circuit state of every service',
          responses: {
            '200': { description: 'All services up', content: json('#/components/schemas/GatewayHealth') },
            '503': {
              description: 'At least one service down',
              content: json('#/components/schemas/GatewayHealth'),
            },
          },
        },
      },
      '/ready': {
        get: {
          tags: ['Gateway'],
          operationId: 'gatewayReady',
          summary: 'Whether this gateway replica takes traffic (for load balancers)',
          responses: {
            '200': { description: 'Ready', content: json('#/components/schemas/Readiness') },
            '503': { description: 'Shutting down', content: json('#/components/schemas/Readiness') },
          },
        },
      },
      '/.well-known/jwks.json': {
        get: {
          tags: ['Gateway'],
          operationId: 'jwks',
          summary: "user-service's public keys (JWK Set), the ones access tokens are verified with",
          responses: {
            '200': {
              description: 'Ed25519 public keys (RFC 7517)',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
        },
      },
      '/api/openapi.json': {
        get: {
          tags: ['Gateway'],
          operationId: 'openApiDocument',
          summary: 'This document',
          responses: {
            '200': {
              description: 'OpenAPI 3.1 document',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
        },
      },
      '/api/docs': {
        get: {
          tags: ['Gateway'],
          operationId: 'swaggerUi',
          summary: 'Swagger UI for this document',
          responses: {
            '200': { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } },
          },
        },
      },
    },
    components: {
      schemas: {
        ErrorResponse: jsonSchema(errorBodySchema),
        GatewayHealth: jsonSchema(gatewayHealthSchema),
        Readiness: jsonSchema(readinessSchema),
      },
      responses: {
        TooManyRequests: errorResponse('Rate limit exceeded', retryAfter),
        ServiceUnavailable: errorResponse(
          'The service behind this route is down or its circuit is open',
          retryAfter,
        ),
        GatewayTimeout: errorResponse('The service behind this route did not answer in time'),
      },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    },
  };
}

/** The gateway's own documented routes as (method, path) pairs, for the 405 + Allow answers. */
export function gatewayOwnRoutes(): Array<{ method: HttpMethod; path: string }> {
  const paths = (gatewayDocument().paths ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(paths).flatMap(([path, operations]) =>
    Object.keys(operations as Record<string, unknown>)
      .filter((method): method is HttpMethod => HTTP_METHODS.has(method))
      .map((method) => ({ method, path: path.replace(/\{(\w+)\}/g, ':$1') })),
  );
}

const HTTP_METHODS = new Set<string>(['get', 'post', 'put', 'patch', 'delete']);
