import { mongoUrlFor, uniqueName } from '@ecom/test-support';
import type { Connection } from 'mongoose';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger';
import { connectMongo } from '../src/mongo';

const logger = createLogger('mongo-metrics-test', 'silent');
const registry = new Registry();
let connection: Connection;

beforeAll(async () => {
  connection = await connectMongo(mongoUrlFor(uniqueName('metrics_')), { logger, attempts: 3, registry });
});

afterAll(async () => {
  await connection?.dropDatabase().catch(() => undefined);
  await connection?.close();
});

async function countOf(labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric('mongodb_command_duration_seconds')!.get();
  const matching = metric.values.filter(
    (value) =>
      (value as { metricName?: string }).metricName === 'mongodb_command_duration_seconds_count' &&
      Object.entries(labels).every(([name, wanted]) => value.labels[name] === wanted),
  );
  return matching.reduce((sum, value) => sum + value.value, 0);
}

describe('MongoDB command metrics', () => {
  it('when commands run, then each is timed by command and collection', async () => {
    const widgets = connection.collection('widgets');
    await widgets.insertOne({ name: 'a' });
    await widgets.findOne({ name: 'a' });
    await widgets.findOne({ name: 'b' });

    expect(await countOf({ command: 'insert', collection: 'widgets', outcome: 'ok' })).toBe(1);
    expect(await countOf({ command: 'find', collection: 'widgets', outcome: 'ok' })).toBe(2);
  });

  it('when the server refuses a command, then it is counted as an error', async () => {
    await expect(connection.db!.command({ noSuchCommand: 1 })).rejects.toThrow();

    expect(await countOf({ command: 'noSuchCommand', collection: '', outcome: 'error' })).toBe(1);
    expect(await countOf({ command: 'noSuchCommand', outcome: 'ok' })).toBe(0);
  });
});
