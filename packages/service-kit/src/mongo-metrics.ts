import type { mongo } from 'mongoose';
import type { Registry } from 'prom-client';
import { metricsFactory } from './metrics';

/** Commands whose first field names a collection; everything else is labelled with no collection. */
const COLLECTION_COMMANDS = new Set([
  'find',
  'insert',
  'update',
  'delete',
  'findAndModify',
  'aggregate',
  'count',
  'distinct',
  'createIndexes',
]);

/** The driver sends these on its own; timing them would only add noise to the dashboards. */
const IGNORED_COMMANDS = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'saslStart', 'saslContinue']);

interface StartedCommand {
  command: string;
  collection: string;
}

/**
 * Times every command the driver sends, by command and collection, so a slow query shows up on
 * the dashboard as "find on orders" rather than as a vague rise in HTTP latency. Requires a client
 * created with `monitorCommands: true`.
 */
export function instrumentMongoClient(client: mongo.MongoClient, registry: Registry): void {
  const duration = metricsFactory(registry).histogram(
    'mongodb_command_duration_seconds',
    'MongoDB command latency by command, collection and outcome',
    ['command', 'collection', 'outcome'],
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );
  const started = new Map<number, StartedCommand>();

  client.on('commandStarted', (event) => {
    if (IGNORED_COMMANDS.has(event.commandName)) return;
    const target: unknown = event.command[event.commandName];
    const collection = COLLECTION_COMMANDS.has(event.commandName) && typeof target === 'string' ? target : '';
    started.set(event.requestId, { command: event.commandName, collection });
  });
  const finish = (outcome: 'ok' | 'error') => (event: { requestId: number; duration: number }) => {
    const command = started.get(event.requestId);
    if (!command) return;
    started.delete(event.requestId);
    duration.observe({ ...command, outcome }, event.duration / 1_000);
  };
  client.on('commandSucceeded', finish('ok'));
  client.on('commandFailed', finish('error'));
}
