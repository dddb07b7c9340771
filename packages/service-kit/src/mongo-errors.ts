const DUPLICATE_KEY = 11000;
/** MongoDB's answer when a concurrent write to the same document or key won. */
const WRITE_CONFLICT = 112;
/**
 * PostgreSQL's "deadlock detected" as FerretDB over DocumentDB reports it: DocumentDB checks unique
 * indexes with exclusion constraints, and PostgreSQL may resolve racing inserts of one key (or racing
 * index builds on one collection) by aborting one of them instead of answering E11000.
 */
const DEADLOCK_DETECTED = 16908292;
const CONFLICT_ATTEMPTS = 3;

/** A unique-index violation (E11000), from an insert or an update. */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null | undefined)?.code === DUPLICATE_KEY;
}

/** insertMany with ordered: false reports each refused document; true when a unique index refused them all. */
export function onlyDuplicates(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: unknown[] } | null)?.writeErrors;
  return isDuplicateKey(error) || (Array.isArray(writeErrors) && writeErrors.every(isDuplicateKey));
}

/** The server rolled the whole write back because of a concurrent one: sending it again is safe. */
export function isTransientWriteConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return code === WRITE_CONFLICT || code === DEADLOCK_DETECTED;
}

/**
 * Runs a single-document write (or an index build) again when the server aborted it for a concurrent
 * one, so a race ends in the answer the index gives (E11000, or success), never in a 500. The
 * MongoDB driver's retryable writes do the same for errors the server labels; these come unlabelled.
 */
export async function retryWriteConflicts<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= CONFLICT_ATTEMPTS || !isTransientWriteConflict(error)) throw error;
    }
  }
}
