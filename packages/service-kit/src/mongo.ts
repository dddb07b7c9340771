import { setTimeout as sleep } from 'node:timers/promises';
import mongoose, { type Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { isTransientWriteConflict } from './mongo-errors';
import { instrumentMongoClient } from './mongo-metrics';
import { retryWithBackoff } from './retry';

export interface MongoOptions {
  poolSize?: number;
  logger: Logger;
  /** Attempts before giving up at start; each waits longer (capped) than the one before. */
  attempts?: number;
  /** When given, every command is timed into `mongodb_command_duration_seconds`. */
  registry?: Registry;
}

function poolSizeInUrl(url: string): number | undefined {
  const match = /[?&]maxPoolSize=(\d+)/i.exec(url);
  return match ? Number(match[1]) : undefined;
}

/** Opens a dedicated connection (not the global mongoose one) so tests can hold several. */
export async function connectMongo(url: string, options: MongoOptions): Promise<Connection> {
  const { logger } = options;
  const connection = await retryWithBackoff(
    async () => {
      const candidate = mongoose.createConnection(url, {
        // A pool size written in the URL wins, as an operator reading the connection string expects.
        maxPoolSize: poolSizeInUrl(url) ?? options.poolSize ?? 10,
        minPoolSize: 0,
        serverSelectionTimeoutMS: 5_000,
        socketTimeoutMS: 45_000,
        maxIdleTimeMS: 30_000,
        monitorCommands: options.registry !== undefined,
        // Collections and indexes are made by ensureIndexes, awaited and retried, not in the background.
        autoCreate: false,
        autoIndex: false,
      });
      try {
        return await candidate.asPromise();
      } catch (error) {
        await candidate.close().catch(() => undefined);
        throw error;
      }
    },
    {
      attempts: options.attempts ?? 10,
      // Expected while the database starts next to us: one info line, no stack.
      onRetry: (error, attempt) =>
        logger.info(
          { attempt, reason: error instanceof Error ? error.message : String(error) },
          'MongoDB not reachable yet, retrying',
        ),
    },
  );
  if (options.registry) instrumentMongoClient(connection.getClient(), options.registry);
  connection.on('error', (error) => logger.error({ err: error }, 'MongoDB connection error'));
  // close() announces itself with 'disconnecting'; only a connection lost on its own is a warning.
  let closing = false;
  connection.on('disconnecting', () => (closing = true));
  connection.on('disconnected', () => {
    if (!closing) logger.warn('MongoDB disconnected');
  });
  connection.on('reconnected', () => logger.info('MongoDB reconnected'));
  logger.info({ database: connection.name }, 'connected to MongoDB');
  return connection;
}

export function mongoHealthCheck(connection: Connection) {
  return async (): Promise<void> => {
    if (connection.readyState !== 1 || !connection.db) throw new Error('MongoDB not connected');
    await connection.db.admin().ping();
  };
}

const INDEX_BUILD_ATTEMPTS = 8;

/**
 * A build the server aborted for a concurrent one. FerretDB over DocumentDB reports PostgreSQL's
 * deadlock between two builds on one collection as a plain InternalError (code 1), not as the
 * write conflict it reports for writes.
 */
function isIndexBuildRace(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    isTransientWriteConflict(error) ||
    (code === 1 && typeof message === 'string' && /deadlock detected/i.test(message))
  );
}

/**
 * Builds the indexes the models' schemas declare (creating their collections), before the service
 * serves. Replicas starting together build the same indexes, and the server may abort one build for
 * another: each build is retried (mongoose's own init() remembers its first failure forever), after
 * a random pause, so the builds that collided do not collide again at once (three replicas on one
 * collection failed their start-up now and then).
 */
export async function ensureIndexes(models: { createIndexes(): Promise<unknown> }[]): Promise<void> {
  await Promise.all(
    models.map(async (model) => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await model.createIndexes();
        } catch (error) {
          if (attempt >= INDEX_BUILD_ATTEMPTS || !isIndexBuildRace(error)) throw error;
          await sleep(Math.random() * 50 * attempt);
        }
      }
    }),
  );
}
