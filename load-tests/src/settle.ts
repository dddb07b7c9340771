import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { metricsTargets } from './service-metrics';

const PENDING = /^inventory_releases_pending(?:\{[^}]*\})? (\d+(?:\.\d+)?)$/m;

async function pendingReleases(url: string): Promise<number | undefined> {
  try {
    const response = await request(url, { headersTimeout: 3_000, bodyTimeout: 3_000 });
    const match = PENDING.exec(await response.body.text());
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A reservation whose answer came too late is released by order-service in the background, so
 * right after a run some stock can still be held for orders that were refused. The invariant is
 * about the settled state: wait until order-service reports no release left to do.
 */
export async function waitForSettledReleases(
  log: (line: string) => void,
  timeoutMs = 60_000,
): Promise<string> {
  const target = metricsTargets().find((candidate) => candidate.name === 'order-service');
  if (!target) return 'order-service metrics not configured: checked without waiting';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await pendingReleases(target.url);
    if (pending === undefined) return 'order-service metrics unreachable: checked without waiting';
    if (pending === 0) return 'order-service had no release pending';
    if (Date.now() > deadline) return `${pending} releases still pending after ${timeoutMs / 1000} s`;
    log(`waiting for order-service to finish ${pending} pending releases`);
    await sleep(2_000);
  }
}
