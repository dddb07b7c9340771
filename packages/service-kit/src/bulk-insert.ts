/** Items per command of a bulk import: big enough to be quick, small enough to send. */
export const BULK_BATCH_SIZE = 1_000;

/**
 * Runs `work` on consecutive slices of `items` (BULK_BATCH_SIZE each), one after another, and returns
 * what each returned, in order: one command per slice, never one huge command or one per item.
 */
export async function inBatches<T, R>(items: readonly T[], work: (batch: T[]) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let from = 0; from < items.length; from += BULK_BATCH_SIZE) {
    results.push(await work(items.slice(from, from + BULK_BATCH_SIZE)));
  }
  return results;
}
