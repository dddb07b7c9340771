import type { RequestHandler } from 'express';

export type HealthCheck = () => Promise<void>;

/** Shared between the HTTP app and graceful shutdown: readiness fails first when stopping. */
export interface Lifecycle {
  beginShutdown(): void;
  readonly isShuttingDown: boolean;
}

export function createLifecycle(): Lifecycle {
  let stopping = false;
  return {
    beginShutdown() {
      stopping = true;
    },
    get isShuttingDown() {
      return stopping;
    },
  };
}

const CHECK_TIMEOUT_MS = 1_000;

async function withTimeout(check: HealthCheck): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function livenessHandler(service: string): RequestHandler {
  return (_req, res) => {
    res.json({ status: 'ok', service, uptime: process.uptime(), timestamp: new Date().toISOString() });
  };
}

/** 200 when every dependency answers, 503 naming the ones that do not (or while shutting down). */
export function readinessHandler(checks: Record<string, HealthCheck>, lifecycle: Lifecycle): RequestHandler {
  return async (_req, res) => {
    const names = Object.keys(checks);
    const outcomes = await Promise.allSettled(names.map((name) => withTimeout(checks[name]!)));
    const results = Object.fromEntries(
      names.map((name, index) => [name, outcomes[index]!.status === 'fulfilled' ? 'up' : 'down']),
    );
    const ready = !lifecycle.isShuttingDown && outcomes.every((outcome) => outcome.status === 'fulfilled');
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : lifecycle.isShuttingDown ? 'shutting_down' : 'not_ready',
      checks: results,
      timestamp: new Date().toISOString(),
    });
  };
}
