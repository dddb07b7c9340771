import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';

interface WriterBeacon {
  _id: string;
  instance: string;
  host: string;
  pid: number;
  heartbeatAt: Date;
}

export interface SingleWriterCheck {
  stop(): void;
}

/**
 * The `ferretdb` storage mode is correct for one process per database (see DocumentWrites). Each
 * process stamps a beacon document every `everyMs`; one that finds another process's stamp there
 * on two beats in a row (a restarted process's predecessor stops stamping) logs an error.
 */
export function watchForOtherWriters(
  connection: Connection,
  service: string,
  logger: Pick<Logger, 'error'>,
  everyMs = 10_000,
): SingleWriterCheck {
  const beacons = connection.collection<WriterBeacon>('storage_writers');
  const instance = randomUUID();
  let seenBefore = false;
  async function beat(): Promise<void> {
    const previous = await beacons.findOneAndUpdate(
      { _id: service },
      { $set: { instance, host: os.hostname(), pid: process.pid, heartbeatAt: new Date() } },
      { upsert: true, returnDocument: 'before' },
    );
    const other = previous && previous.instance !== instance ? previous : undefined;
    if (other && seenBefore) {
      logger.error(
        { other: { host: other.host, pid: other.pid }, storageMode: 'ferretdb' },
        `another ${service} process writes to this database: the ferretdb storage mode supports ONE replica; writes may be lost or stock oversold`,
      );
    }
    seenBefore = other !== undefined;
  }
  const run = () =>
    beat().catch((error: unknown) => logger.error({ err: error }, 'could not check for other writers'));
  void run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
