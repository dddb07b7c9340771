import type { z } from 'zod';
import type { HttpMethod, RouteDoc } from './openapi';

/**
 * A response as a route declares it: the description alone (error answers then get the common
 * error body in the document), or `json(description, schema)` for an answer with a body.
 */
export type ResponseSpec = string | RouteDoc['responses'][number];

/** What a route declares besides its method, path and summary; tags and auth may come from the group. */
export type RouteSpec = Partial<Omit<RouteDoc, 'method' | 'path' | 'summary' | 'responses'>> & {
  responses: Record<number, ResponseSpec>;
};

/** An answer with a JSON body described by `schema`. */
export function json(description: string, schema: z.ZodType): RouteDoc['responses'][number] {
  return { description, schema };
}

/**
 * Declares a group of routes that share tags (and maybe auth) in one line each:
 * `const route = routeGroup({ tags: ['Orders'], auth: 'bearer' });`
 * then `route('get', '/orders/:id', 'One order', { params, responses: { 200: json('The order', schema) } })`.
 */
export function routeGroup(shared: Pick<RouteDoc, 'tags'> & Pick<RouteSpec, 'auth'>) {
  return (method: HttpMethod, path: string, summary: string, spec: RouteSpec): RouteDoc => {
    const responses: RouteDoc['responses'] = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[Number(status)] = typeof response === 'string' ? { description: response } : response;
    }
    return { method, path, summary, ...shared, ...spec, tags: spec.tags ?? shared.tags, responses };
  };
}
