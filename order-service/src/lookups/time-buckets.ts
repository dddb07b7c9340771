import type { IdLists } from './id-lists';

const CURSOR = 'cursor';
const BUCKETS_PER_PAGE = 3_600;

/**
 * A schedule of ids by time, in `_id`-keyed documents only (for FerretDB v1, which answers any
 * other filter by reading the whole collection):
 * - `b<bucket>`: the ids added in one bucket of time (`widthMs` wide);
 * - `p<page>`: the buckets of one page of 3,600 buckets (an hour of one-second buckets) that got
 *   ids, so draining after a long stop reads a document per page, not per empty bucket;
 * - `cursor`: the first bucket not yet drained.
 * Draining reads by `_id` from the cursor up to a time, so its cost follows what was scheduled in
 * that span, never the size of the collections the ids point into.
 */
export class TimeBuckets {
  private cursorReady: Promise<void> | undefined;
  /** The last bucket this process listed in its page, and that write. */
  private listed: { bucket: number; written: Promise<void> } | undefined;

  constructor(
    private readonly lists: IdLists,
    private readonly widthMs: number,
  ) {}

  /** Resolves once `id` is scheduled under `at`. */
  async add(at: Date, id: string): Promise<void> {
    const bucket = this.bucketOf(at);
    // The cursor starts at the first bucket ever written, so draining never skips one.
    this.cursorReady ??= this.lists.writeNumber(CURSOR, bucket, true).catch((error: unknown) => {
      this.cursorReady = undefined;
      throw error;
    });
    await this.cursorReady;
    await this.listInPage(bucket);
    await this.lists.append(bucketKey(bucket), id);
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
      while (next < end) {
        const page = Math.floor(next / BUCKETS_PER_PAGE);
        const pageEnd = (page + 1) * BUCKETS_PER_PAGE;
        const listed = await this.lists.read(pageKey(page));
        const due = [...new Set(listed.map(Number))]
          .filter((bucket) => bucket >= next && bucket < end)
          .sort((a, b) => a - b);
        for (const bucket of due) {
          next = bucket;
          const ids = await this.lists.read(bucketKey(bucket));
          if (ids.length > 0 && !(await take([...new Set(ids)], new Date((bucket + 1) * this.widthMs))))
            return;
          await this.lists.remove(bucketKey(bucket));
          next = bucket + 1;
        }
        if (pageEnd > end) {
          // This page is still being written: keep its list, and start after `end` next time.
          next = end;
          return;
        }
        await this.lists.remove(pageKey(page));
        next = pageEnd;
      }
    } finally {
      if (next !== first) await this.lists.writeNumber(CURSOR, next);
    }
  }

  /** Once per bucket and process: concurrent adds to a new bucket share the one write. */
  private async listInPage(bucket: number): Promise<void> {
    let listed = this.listed;
    if (listed?.bucket !== bucket) {
      const written = this.lists.append(pageKey(Math.floor(bucket / BUCKETS_PER_PAGE)), String(bucket));
      listed = { bucket, written };
      this.listed = listed;
      // A failed write is tried again by the next add to this bucket.
      written.catch(() => {
        if (this.listed?.written === written) this.listed = undefined;
      });
    }
    await listed.written;
  }

  private bucketOf(at: Date): number {
    return Math.floor(at.getTime() / this.widthMs);
  }
}

function bucketKey(bucket: number): string {
  return `b${bucket}`;
}

function pageKey(page: number): string {
  return `p${page}`;
}
