/**
 * Vitest globalSetup: runs once in the main vitest process, before any test file.
 * Uses MONGODB_URL / REDIS_URL when set (and starts nothing for them); otherwise starts throw-away
 * servers on free ports. The URLs reach the tests through `inject('mongoUrl')` / `inject('redisUrl')`.
 */
import type { TestProject } from 'vitest/node';
import { startMongo, startRedis, type RunningServer } from './servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUrl: string;
    redisUrl: string;
  }
}

async function urlOrStart(
  envName: 'MONGODB_URL' | 'REDIS_URL',
  start: () => Promise<RunningServer>,
): Promise<{ url: string; server?: RunningServer }> {
  const fromEnv = process.env[envName]?.trim();
  if (fromEnv) return { url: fromEnv };
  const server = await start();
  return { url: server.url, server };
}

export default async function setup({ provide }: Pick<TestProject, 'provide'>): Promise<() => Promise<void>> {
  const results = await Promise.allSettled([
    urlOrStart('MONGODB_URL', () => startMongo()),
    urlOrStart('REDIS_URL', () => startRedis()),
  ]);
  const started = results.flatMap((r) =>
    r.status === 'fulfilled' && r.value.server ? [r.value.server] : [],
  );
  const teardown = async (): Promise<void> => {
    await Promise.allSettled(started.map((server) => server.stop()));
  };

  const [mongo, redis] = results;
  if (mongo?.status !== 'fulfilled' || redis?.status !== 'fulfilled') {
    await teardown();
    const reasons = results.flatMap((r) =>
      r.status === 'rejected' ? [String(r.reason instanceof Error ? r.reason.message : r.reason)] : [],
    );
    throw new Error(`test-support: could not start the test servers:\n${reasons.join('\n\n')}`);
  }

  provide('mongoUrl', mongo.value.url);
  provide('redisUrl', redis.value.url);
  return teardown;
}
