const DUPLICATE_KEY = 11000;

/** A unique-index violation (E11000), from an insert or an update. */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null | undefined)?.code === DUPLICATE_KEY;
}
