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
