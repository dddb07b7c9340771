import DataLoader from 'dataloader';
import { type mongo, mongo as driver } from 'mongoose';
import { isTransientWriteConflict } from './mongo-errors';

/** At most this many writes per command. */
const MAX_GROUP = 64;
/**
 * How long writes wait behind a group still in flight before they are sent anyway: far above a
 * write's usual time, so a stalled group (a lock wait, a slow connection) holds the others this long
 * at most, instead of until it ends.
 */
const STALL_MS = 15;

export interface GroupedWriteOptions {
  maxGroup?: number;
  stallMs?: number;
}

/** Each write's refusal in its own words: the error it would have thrown alone. */
function refusalsOf(error: unknown, size: number): (Error | undefined)[] | undefined {
  const writeErrors = (error as { writeErrors?: unknown } | null)?.writeErrors;
  if (!Array.isArray(writeErrors) || writeErrors.length === 0) return undefined;
  const refusals = new Array<Error | undefined>(size).fill(undefined);
  for (const writeError of writeErrors as mongo.WriteError[]) {
    refusals[writeError.index] = new driver.MongoServerError({
      ...writeError.err,
      message: writeError.errmsg ?? 'write refused',
    });
  }
  return refusals;
}

/** How one write, and a group of them in one command, are sent. */
interface WriteCommands<I> {
  alone(item: I): Promise<unknown>;
  together(items: readonly I[]): Promise<unknown>;
}

/** Sends a group and answers each write's outcome: undefined when written, else its own error. */
async function sendGroup<I>(items: readonly I[], commands: WriteCommands<I>): Promise<(Error | undefined)[]> {
  const alone = (item: I) =>
    commands.alone(item).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
  if (items.length === 1) return [await alone(items[0]!)];
  try {
    await commands.together(items);
    return items.map(() => undefined);
  } catch (error) {
    const refusals = refusalsOf(error, items.length);
    if (refusals) return refusals;
    // The server rolled the whole command back for one write's race: nobody else's to pay for.
    if (isTransientWriteConflict(error)) return Promise.all(items.map(alone));
    // Not known to be written (the connection): each caller learns it, as from its own write.
    return items.map(() => error as Error);
  }
}

/**
 * Group commit for single-document writes (hand-written: the driver sends every write as its own
 * command, and DataLoader only gathers what arrives in one tick). While a group is in flight, the
 * writes made meanwhile wait and go out together as one command when it ends (or after `stallMs`
 * behind it); each caller gets its own write's outcome. A write held back dies with a killed
 * process: only writes whose loss leaves nothing behind belong here (a claim the client's retry
 * makes again), never one that completes what an earlier write started.
 */
function createWriteGroups<T>(
  commands: WriteCommands<T>,
  { maxGroup = MAX_GROUP, stallMs = STALL_MS }: GroupedWriteOptions,
): (item: T) => Promise<void> {
  let inFlight = 0;
  let parked: (() => void)[] = [];
  let stallTimer: NodeJS.Timeout | undefined;

  function sendParked(): void {
    clearTimeout(stallTimer);
    stallTimer = undefined;
    const dispatches = parked;
    parked = [];
    dispatches.forEach((dispatch) => dispatch());
  }

  function schedule(dispatch: () => void): void {
    if (inFlight === 0) {
      process.nextTick(dispatch);
      return;
    }
    parked.push(dispatch);
    stallTimer ??= setTimeout(sendParked, stallMs);
  }

  const loader = new DataLoader<T, undefined>(
    async (items) => {
      inFlight += 1;
      try {
        return await sendGroup(items, commands);
      } finally {
        inFlight -= 1;
        if (parked.length > 0) sendParked();
      }
    },
    { cache: false, maxBatchSize: maxGroup, batchScheduleFn: schedule },
  );

  return async (item) => {
    await loader.load(item);
  };
}

/** One upsert of a group: its filter names the `_id`, so a filter that does not match collides (E11000). */
export interface GroupedUpsert<T extends mongo.Document> {
  filter: mongo.Filter<T>;
  update: mongo.UpdateFilter<T>;
}

/**
 * Conditional upserts (a claim on a document: it applies, or its filter does not match and the
 * upsert's insert collides on `_id`) made while another is in flight share one unordered bulkWrite.
 * Each caller learns whether its own write applied: it resolves, or rejects with its own error
 * (E11000 for a filter that did not match). Only upserts can be grouped so: a plain update that
 * matches nothing reports no error, and a bulk result does not say which one it was.
 */
export function createGroupedUpserts<T extends mongo.Document>(
  collection: mongo.Collection<T>,
  options: GroupedWriteOptions = {},
): (upsert: GroupedUpsert<T>) => Promise<void> {
  return createWriteGroups<GroupedUpsert<T>>(
    {
      alone: ({ filter, update }) => collection.updateOne(filter, update, { upsert: true }),
      together: (upserts) =>
        collection.bulkWrite(
          upserts.map(({ filter, update }) => ({ updateOne: { filter, update, upsert: true } })),
          { ordered: false },
        ),
    },
    options,
  );
}
