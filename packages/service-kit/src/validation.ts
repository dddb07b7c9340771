import { z } from 'zod';
import { HttpError } from './errors';

export type InputSource = 'body' | 'query' | 'params';

/**
 * Parses request input at the edge. Schemas are strict objects, so unknown keys (including
 * Mongo operators such as `$gt`) are refused here and never reach a query.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, source: InputSource): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw HttpError.badRequest(`Invalid request ${source}`, describeIssues(result.error));
}

export function describeIssues(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/**
 * "Contains something besides whitespace", the way the JSON Schema pattern is read by JavaScript
 * and Python alike (Python's \s lacks U+FEFF, which String.prototype.trim removes).
 */
export const NON_BLANK_PATTERN = '[^\\s\\ufeff]';

/** Text that is trimmed, then must keep 1..max characters; the document says so with a pattern. */
export function nonBlankText(max: number) {
  return z.string().trim().min(1).max(max).meta({ pattern: NON_BLANK_PATTERN });
}

export const objectIdSchema = z.string().regex(/^[a-f\d]{24}$/i, 'must be a 24-character hex ObjectId');

export const idParamsSchema = z.strictObject({ id: objectIdSchema });

export const paginationShape = {
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
};

export interface Page<T> {
  items: T[];
  page: number;
  limit: number;
  total: number;
  pages: number;
}

export function toPage<T>(items: T[], total: number, page: number, limit: number): Page<T> {
  return { items, page, limit, total, pages: Math.ceil(total / limit) };
}

/** The body of a paged list answer (what `toPage` returns), for the OpenAPI documents. */
export function pageSchema(item: z.ZodType) {
  return z.object({
    items: z.array(item),
    page: z.number(),
    limit: z.number(),
    total: z.number(),
    pages: z.number(),
  });
}
