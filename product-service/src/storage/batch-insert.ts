import { isDuplicateKey } from '@ecom/service-kit';

/** Documents per insertMany command in a bulk import: big enough to be quick, small enough to send. */
export const INSERT_BATCH_SIZE = 1_000;

/** insertMany with ordered: false reports each refused document; true when a unique index refused them all. */
export function onlyDuplicates(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: unknown[] } | null)?.writeErrors;
  return isDuplicateKey(error) || (Array.isArray(writeErrors) && writeErrors.every(isDuplicateKey));
}

/**
 * Inserts the documents in batches of INSERT_BATCH_SIZE, one command each (the store's `insert` is
 * an insertMany with `ordered: false`, so one refused document does not stop the rest of its batch).
 */
export async function insertInBatches<T>(
  documents: T[],
  insert: (batch: T[]) => Promise<unknown>,
): Promise<void> {
  for (let start = 0; start < documents.length; start += INSERT_BATCH_SIZE) {
    await insert(documents.slice(start, start + INSERT_BATCH_SIZE));
  }
}
