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

/**
 * Either case is accepted (an ObjectId is hex) and lower-cased here, so one id has one spelling
 * from the edge on: cache keys, lines merged by product. The pattern spells both cases out
 * because a regex flag does not reach the document.
 */
export const objectIdSchema = z
  .string()
  .regex(/^[\da-fA-F]{24}$/, 'must be a 24-character hex ObjectId')
  .toLowerCase();

export const idParamsSchema = z.strictObject({ id: objectIdSchema });

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * A number in a query string, written in plain decimal: `Number()` (and z.coerce) would also read
 * "0x10" as 16, "1e3", "0b1" and " 7 ", none of which the document's `number` allows. Anything
 * else reaches `schema` as the string it is and fails there. The document shows `schema`.
 */
export function queryNumber<S extends z.ZodType>(schema: S) {
  return z.preprocess(
    (value) => (typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value),
    schema,
  );
}

export const paginationShape = {
  page: queryNumber(z.number().int().min(1).max(100_000).default(1)),
  limit: queryNumber(z.number().int().min(1).max(100).default(20)),
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
