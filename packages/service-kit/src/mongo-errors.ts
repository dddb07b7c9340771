const DUPLICATE_KEY = 11000;

/**
 * FerretDB v1 reports a unique-index violation as E11000 on insert, but on update it passes the
 * backend's own error through ("UNIQUE constraint failed" from SQLite, "duplicate key value
 * violates unique constraint" from PostgreSQL) with another code.
 */
const BACKEND_UNIQUE_VIOLATION = /UNIQUE constraint failed|duplicate key value violates unique constraint/;

/** A unique-index violation, as MongoDB reports it (code 11000) or as FerretDB v1 does on updates. */
export function isDuplicateKey(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === DUPLICATE_KEY || (typeof message === 'string' && BACKEND_UNIQUE_VIOLATION.test(message));
}
