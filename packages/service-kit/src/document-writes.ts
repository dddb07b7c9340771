import sift from 'sift';
import type { Connection, Model, UpdateQuery } from 'mongoose';
import type { Logger } from 'pino';

/**
 * How single-document conditional writes are made atomic, chosen once at start-up.
 *
 * - `mongodb`: the server applies a write's filter atomically with the write, so a guarded
 *   `updateOne`/`findOneAndUpdate`/`deleteOne` is sent as is and its result is the answer.
 * - `ferretdb`: FerretDB v1 applies a write as read-modify-write without isolation across
 *   connections, and evaluates any filter beyond `_id` by reading the whole collection. So every
 *   write to one document is queued behind the others for that document *inside this process*,
 *   the document is read by `_id`, the guard is checked here, and the write goes out by `_id`.
 *   Correct for ONE process per database; a second replica would race with the first.
 */
export type StorageMode = 'mongodb' | 'ferretdb';
export type StorageModeSetting = StorageMode | 'auto';

/** Conditions on fields of the document (MongoDB query syntax), never on `_id`. */
export type Guard = Record<string, unknown>;

export interface WriteOptions {
  /** false: leave `updatedAt` alone (bookkeeping writes nobody should see as a change). */
  timestamps?: boolean;
  /** Checks the schema's validators on the update (an admin's edit, not bookkeeping). */
  runValidators?: boolean;
}

/** Single-document writes guarded by a condition on the document's current state. */
export interface DocumentWrites {
  readonly mode: StorageMode;
  /** Applies `update` when the document exists and matches `guard`; true when it did. */
  update<T>(
    model: Model<T>,
    id: unknown,
    guard: Guard,
    update: UpdateQuery<T>,
    options?: WriteOptions,
  ): Promise<boolean>;
  /** Like {@link update}, answering the document as written, or null when it did not match. */
  updateAndGet<T>(
    model: Model<T>,
    id: unknown,
    guard: Guard,
    update: UpdateQuery<T>,
    options?: WriteOptions,
  ): Promise<T | null>;
  /** Deletes the document when it matches `guard`; true when it did. */
  remove<T>(model: Model<T>, id: unknown, guard: Guard): Promise<boolean>;
}

/** FIFO queue per key inside this process: work for one key runs one at a time. */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  get size(): number {
    return this.tails.size;
  }

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

class ServerGuardedWrites implements DocumentWrites {
  readonly mode = 'mongodb' as const;

  async update<T>(
    model: Model<T>,
    id: unknown,
    guard: Guard,
    update: UpdateQuery<T>,
    options: WriteOptions = {},
  ) {
    const result = await model.updateOne({ ...guard, _id: id }, update, {
      timestamps: options.timestamps,
      runValidators: options.runValidators,
    });
    return result.matchedCount === 1;
  }

  updateAndGet<T>(
    model: Model<T>,
    id: unknown,
    guard: Guard,
    update: UpdateQuery<T>,
    options: WriteOptions = {},
  ) {
    return model
      .findOneAndUpdate({ ...guard, _id: id }, update, {
        returnDocument: 'after',
        timestamps: options.timestamps,
        runValidators: options.runValidators,
      })
      .lean<T>()
      .exec();
  }

  async remove<T>(model: Model<T>, id: unknown, guard: Guard) {
    return (await model.deleteOne({ ...guard, _id: id })).deletedCount === 1;
  }
}

class ProcessSerialisedWrites implements DocumentWrites {
  readonly mode = 'ferretdb' as const;
  private readonly queue = new KeyedQueue();

  update<T>(model: Model<T>, id: unknown, guard: Guard, update: UpdateQuery<T>, options: WriteOptions = {}) {
    return this.guarded(
      model,
      id,
      guard,
      async () => {
        const result = await model.updateOne({ _id: id }, update, {
          timestamps: options.timestamps,
          runValidators: options.runValidators,
        });
        return result.matchedCount === 1;
      },
      false,
    );
  }

  updateAndGet<T>(
    model: Model<T>,
    id: unknown,
    guard: Guard,
    update: UpdateQuery<T>,
    options: WriteOptions = {},
  ) {
    return this.guarded(
      model,
      id,
      guard,
      // No projection: FerretDB v1 does not implement one on findAndModify.
      () =>
        model
          .findOneAndUpdate({ _id: id }, update, {
            returnDocument: 'after',
            timestamps: options.timestamps,
            runValidators: options.runValidators,
          })
          .lean<T>()
          .exec(),
      null,
    );
  }

  remove<T>(model: Model<T>, id: unknown, guard: Guard) {
    return this.guarded(
      model,
      id,
      guard,
      async () => (await model.deleteOne({ _id: id })).deletedCount === 1,
      false,
    );
  }

  private guarded<T, R>(
    model: Model<T>,
    id: unknown,
    guard: Guard,
    write: () => Promise<R>,
    refused: R,
  ): Promise<R> {
    return this.queue.run(`${model.collection.collectionName}:${String(id)}`, async () => {
      if (Object.keys(guard).length > 0) {
        // The raw collection: schema-level `select: false` must not hide fields the guard reads.
        const filter = model.where({ _id: id }).cast(model) as Record<string, unknown>;
        const current = await model.collection.findOne(filter);
        if (!current || !sift(guard)(current)) return refused;
      }
      return write();
    });
  }
}

export function createDocumentWrites(mode: StorageMode): DocumentWrites {
  return mode === 'mongodb' ? new ServerGuardedWrites() : new ProcessSerialisedWrites();
}

async function isFerretDb(connection: Connection): Promise<boolean> {
  const db = connection.db;
  if (!db) throw new Error('the storage mode is chosen on a connected MongoDB connection');
  const info = await db.admin().command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string';
}

/**
 * Picks the storage mode once, at start-up: `auto` asks the server (FerretDB names itself in
 * buildInfo). Logs what each mode supports, and warns where the combination is unsafe.
 */
export async function chooseStorageMode(
  connection: Connection,
  setting: StorageModeSetting,
  logger: Logger,
): Promise<StorageMode> {
  const ferret = await isFerretDb(connection);
  const mode: StorageMode = setting === 'auto' ? (ferret ? 'ferretdb' : 'mongodb') : setting;
  if (mode === 'ferretdb') {
    logger.warn(
      { storageMode: mode },
      'FerretDB storage mode: writes to one document are serialised inside this process; run ONE replica of this service per database',
    );
  } else if (ferret) {
    logger.warn(
      { storageMode: mode },
      'STORAGE_MODE=mongodb on FerretDB: conditional writes are not atomic across connections; correct only with maxPoolSize=1 and one replica',
    );
  } else {
    logger.info(
      { storageMode: mode },
      'MongoDB storage mode: guarded single-document writes, any number of replicas',
    );
  }
  return mode;
}
