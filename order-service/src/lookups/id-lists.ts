import { KeyedQueue } from '@ecom/service-kit';
import type { Connection, mongo } from 'mongoose';

/** A document of ids kept under one `_id` key, so reading it is the one lookup FerretDB v1 pushes down. */
export interface IdListDocument {
  _id: string;
  ids?: string[];
  /** Used by the cursor document of a {@link TimeBuckets} schedule. */
  next?: number;
}

/**
 * `_id`-keyed lists of order ids for the `ferretdb` storage mode. FerretDB v1 applies an update as
 * read-modify-write without isolation across connections, so every write to one list is queued
 * behind the others in this process (one replica per database, as for every ferretdb-mode write);
 * ids appended while a write to their list is in flight go out together in the next write, so a
 * busy list costs one write per round trip, not one per order.
 */
export class IdLists {
  private readonly queue = new KeyedQueue();
  private readonly open = new Map<string, { ids: string[]; written: Promise<void> }>();
  readonly collection: mongo.Collection<IdListDocument>;

  constructor(connection: Connection, name: string) {
    this.collection = connection.collection<IdListDocument>(name);
  }

  /** Resolves once `id` is stored in the list `key` (created when missing). */
  append(key: string, id: string): Promise<void> {
    const batch = this.open.get(key);
    if (batch) {
      batch.ids.push(id);
      return batch.written;
    }
    const ids = [id];
    const written = this.queue.run(key, async () => {
      // From here on, appends to this key wait for the next write.
      this.open.delete(key);
      await this.collection.updateOne({ _id: key }, { $push: { ids: { $each: ids } } }, { upsert: true });
    });
    this.open.set(key, { ids, written });
    return written;
  }

  async read(key: string): Promise<string[]> {
    return (await this.collection.findOne({ _id: key }))?.ids ?? [];
  }

  async remove(key: string): Promise<void> {
    await this.queue.run(key, () => this.collection.deleteOne({ _id: key }));
  }

  async readNumber(key: string): Promise<number | undefined> {
    return (await this.collection.findOne({ _id: key }))?.next;
  }

  /** Sets the number under `key`; with `onlyIfMissing`, leaves an existing one alone. */
  async writeNumber(key: string, next: number, onlyIfMissing = false): Promise<void> {
    await this.queue.run(key, () =>
      this.collection.updateOne(
        { _id: key },
        onlyIfMissing ? { $setOnInsert: { next } } : { $set: { next } },
        { upsert: true },
      ),
    );
  }
}
