import { z } from 'zod';

/**
 * Just enough structure to merge documents safely. Upstream documents are parsed with this before
 * use, so a malformed one counts as unavailable instead of breaking the merged document.
 */
export const openApiDocumentSchema = z.looseObject({
  openapi: z.string().regex(/^3\./, 'must be an OpenAPI 3.x document'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  components: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  tags: z.array(z.looseObject({ name: z.string() })).optional(),
});

export type OpenApiDocument = z.infer<typeof openApiDocumentSchema>;
export type PathItem = Record<string, unknown>;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface Operation {
  operationId?: string;
  responses?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The operations of a path item (skipping path-level keys such as `parameters`). */
export function operationsOf(item: PathItem): Array<[method: string, operation: Operation]> {
  return HTTP_METHODS.flatMap((method) => {
    const operation = item[method];
    return operation && typeof operation === 'object' ? [[method, operation as Operation]] : [];
  });
}
