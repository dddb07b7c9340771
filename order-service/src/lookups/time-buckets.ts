import type { IdLists } from './id-lists';

const CURSOR = 'cursor';

/**
 * A schedule of order ids by time, in `_id`-keyed documents only (for FerretDB v1, which answers
 * any other filter by reading the whole collection): an id is appended to the bucket of the time it
 * was added (`b<bucket number>`), and a cursor document holds the first bucket not yet drained.
 * Draining reads bucket after bucket by `_id` up to a time, so its cost follows the buckets it
 * covers, never the size of the orders collection.
 */
export class TimeBuckets {
  private cursorReady: Promise<void> | undefined;

  constructor(
    private readonly lists: IdLists,
    private readonly widthMs: number,
  ) {}

  /** Resolves once `id` is scheduled under `at`. */
  async add(at: Date, id: string): Promise<void> {
    // The cursor starts at the first bucket ever written, so draining never skips one.
    this.cursorReady ??= this.lists.writeNumber(CURSOR, this.bucketOf(at), true).catch((error: unknown) => {
      this.cursorReady = undefined;
      throw error;
    });
    await this.cursorReady;
    await this.lists.append(bucketKey(this.bucketOf(at)), id);
  }

  /**
   * Hands the ids of every bucket that ended by `until` to `take`, oldest first. A bucket leaves
   * the schedule once `take` answers true; on false (or a throw) draining stops there, and the
   * next drain starts with that bucket again.
   */
  async drain(until: Date, take: (ids: string[], bucketEnd: Date) => Promise<boolean>): Promise<void> {
    const first = await this.lists.readNumber(CURSOR);
    if (first === undefined) return;
    const end = this.bucketOf(until);
    let next = first;
    try {
      for (; next < end; next += 1) {
        const ids = await this.lists.read(bucketKey(next));
        if (ids.length === 0) continue;
        if (!(await take([...new Set(ids)], new Date((next + 1) * this.widthMs)))) break;
        await this.lists.remove(bucketKey(next));
      }
    } finally {
      if (next !== first) await this.lists.writeNumber(CURSOR, next);
    }
  }

  private bucketOf(at: Date): number {
    return Math.floor(at.getTime() / this.widthMs);
  }
}

function bucketKey(bucket: number): string {
  return `b${bucket}`;
}
