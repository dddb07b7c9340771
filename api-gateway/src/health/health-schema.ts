import { z } from 'zod';

/** The body of GET /health; the handler is typed by it and the OpenAPI document generated from it. */
export const upstreamHealthSchema = z.object({
  status: z.enum(['up', 'down']),
  circuit: z.enum(['closed', 'open', 'half_open']),
  latencyMs: z.number(),
  httpStatus: z.number().int().optional().describe('Status of the upstream /ready answer, if any'),
  error: z.string().optional(),
});

export const gatewayHealthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  service: z.literal('api-gateway'),
  services: z.object({
    user: upstreamHealthSchema,
    product: upstreamHealthSchema,
    order: upstreamHealthSchema,
  }),
  rateLimitStore: z.enum(['up', 'down']).describe('Redis; when down, requests pass unlimited'),
  uptime: z.number(),
  timestamp: z.string(),
});

export type UpstreamHealth = z.infer<typeof upstreamHealthSchema>;
export type GatewayHealth = z.infer<typeof gatewayHealthSchema>;

/** Shape of the service kit's GET /ready answer, documented for the gateway's own /ready. */
export const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready', 'shutting_down']),
  checks: z.record(z.string(), z.enum(['up', 'down'])),
  timestamp: z.string(),
});
