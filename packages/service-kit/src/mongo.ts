import mongoose, { type Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
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
