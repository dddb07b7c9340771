import { z } from 'zod';

export const replicaHealthSchema = z.object({
  url: z.string().describe('The replica the gateway sends to, e.g. http://10.0.0.5:3002'),
  status: z.enum(['up', 'down']),
  latencyMs: z.number(),
  httpStatus: z.number().int().optional().describe('Status of its /ready answer, if any'),
  error: z.string().optional(),
});

/** The body of GET /health; the handler is typed by it and the OpenAPI document generated from it. */
export const upstreamHealthSchema = z.object({
  status: z
    .enum(['up', 'down'])
    .describe('up while at least one replica is ready and the circuit is not open'),
  circuit: z.enum(['closed', 'open', 'half_open']),
  latencyMs: z.number(),
  httpStatus: z.number().int().optional().describe('Status of the /ready answer of a ready replica, if any'),
  error: z.string().optional(),
  replicas: z.array(replicaHealthSchema),
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

export type ReplicaHealth = z.infer<typeof replicaHealthSchema>;
export type UpstreamHealth = z.infer<typeof upstreamHealthSchema>;
export type GatewayHealth = z.infer<typeof gatewayHealthSchema>;

/** Shape of the service kit's GET /ready answer, documented for the gateway's own /ready. */
export const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready', 'shutting_down']),
  checks: z.record(z.string(), z.enum(['up', 'down'])),
  timestamp: z.string(),
});
