import DataLoader from 'dataloader';
import { type mongo, mongo as driver } from 'mongoose';
import { isTransientWriteConflict } from './mongo-errors';

/** At most this many documents per insert command. */
const MAX_GROUP = 64;
/**
 * How long documents wait behind a group still in flight before they are sent anyway: far above an
 * insert's usual time, so a stalled group (a lock wait, a slow connection) holds the others this long
 * at most, instead of until it ends.
 */
const STALL_MS = 15;

export interface GroupedInsertOptions {
  maxGroup?: number;
  stallMs?: number;
}

/** Each document's refusal in its own words: the error a lone insertOne would have thrown. */
function refusalsOf(error: unknown, size: number): (Error | undefined)[] | undefined {
  const writeErrors = (error as { writeErrors?: unknown } | null)?.writeErrors;
  if (!Array.isArray(writeErrors) || writeErrors.length === 0) return undefined;
  const refusals = new Array<Error | undefined>(size).fill(undefined);
  for (const writeError of writeErrors as mongo.WriteError[]) {
    refusals[writeError.index] = new driver.MongoServerError({
      ...writeError.err,
      message: writeError.errmsg ?? 'insert refused',
    });
  }
  return refusals;
}

async function insertOne<T extends mongo.Document>(collection: mongo.Collection<T>, document: T) {
  try {
    await collection.insertOne(document as mongo.OptionalUnlessRequiredId<T>);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

async function insertGroup<T extends mongo.Document>(
  collection: mongo.Collection<T>,
  documents: readonly T[],
): Promise<(Error | undefined)[]> {
  if (documents.length === 1) return [await insertOne(collection, documents[0]!)];
  try {
    await collection.insertMany(documents as mongo.OptionalUnlessRequiredId<T>[], { ordered: false });
    return documents.map(() => undefined);
  } catch (error) {
    const refusals = refusalsOf(error, documents.length);
    if (refusals) return refusals;
    // The server rolled the whole command back for one document's race: nobody else's to pay for.
    if (isTransientWriteConflict(error)) {
      return Promise.all(documents.map((document) => insertOne(collection, document)));
    }
    // Not known to be saved (the connection): each caller learns it, as from its own insert.
    return documents.map(() => error as Error);
  }
}

/**
 * Group commit for single-document inserts (hand-written: the driver sends every insertOne as its own
 * command, and DataLoader only gathers what arrives in one tick). While an insert is in flight, the
 * documents saved meanwhile wait and go out together as one unordered insertMany, sent when it ends
 * (or after `stallMs` behind it). Each caller gets its own document's outcome, so a duplicate key is
 * still the one caller's E11000; alone, a document is sent as an insertOne, as before.
 */
export function createGroupedInserts<T extends mongo.Document>(
  collection: mongo.Collection<T>,
  { maxGroup = MAX_GROUP, stallMs = STALL_MS }: GroupedInsertOptions = {},
): (document: T) => Promise<void> {
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
    async (documents) => {
      inFlight += 1;
      try {
        return await insertGroup(collection, documents);
      } finally {
        inFlight -= 1;
        if (parked.length > 0) sendParked();
      }
    },
    { cache: false, maxBatchSize: maxGroup, batchScheduleFn: schedule },
  );

  return async (document) => {
    await loader.load(document);
  };
}
