import { ClientSession, MongoClient } from 'mongodb';

export interface PoolUsage {
  /** Distinct server connections that carried at least one command, over every watched client. */
  connectionsUsed(): number;
  /** The most connections checked out at the same moment, over every watched client. */
  peakInUse(): number;
}

/**
 * Follows the driver's connection-pool events of several clients (e.g. `connection.getClient()` of
 * each service instance), so a concurrency test can show its writes really ran side by side.
 */
export function watchPoolUsage(clients: MongoClient[]): PoolUsage {
  const used = new Set<string>();
  let inUse = 0;
  let peak = 0;
  clients.forEach((client, index) => {
    client.on('connectionCheckedOut', (event) => {
      used.add(`${index}/${event.address}/${event.connectionId}`);
      inUse += 1;
      peak = Math.max(peak, inUse);
    });
    client.on('connectionCheckedIn', () => {
      inUse -= 1;
    });
  });
  return { connectionsUsed: () => used.size, peakInUse: () => peak };
}

export interface TransactionWatch {
  /** `startSession` and `startTransaction` calls made by code under test, in order. */
  readonly calls: string[];
  restore(): void;
}

/**
 * Records every explicit session and every transaction opened in this process. The database has
 * no multi-document transactions, so a test asserts `calls` stays empty while the services work.
 */
export function watchTransactions(): TransactionWatch {
  const calls: string[] = [];
  const startSession = MongoClient.prototype.startSession;
  const startTransaction = ClientSession.prototype.startTransaction;
  MongoClient.prototype.startSession = function (this: MongoClient, ...args) {
    // The driver opens an implicit session for each operation on its own; only explicit ones count.
    const options = args[0] as { explicit?: boolean } | undefined;
    if (options?.explicit !== false) calls.push('startSession');
    return startSession.apply(this, args);
  };
  ClientSession.prototype.startTransaction = function (this: ClientSession, ...args) {
    calls.push('startTransaction');
    return startTransaction.apply(this, args);
  };
  return {
    calls,
    restore() {
      MongoClient.prototype.startSession = startSession;
      ClientSession.prototype.startTransaction = startTransaction;
    },
  };
}
