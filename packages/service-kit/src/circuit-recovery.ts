import { Agent, request } from 'node:http';

/**
 * Probes keep their own sockets alive, apart from the caller's pool (a probe must not take or
 * poison one of those): a gateway asks every replica twice a second, and a new connection each time
 * cost both sides more CPU than the answer. A stopping replica closes them (Connection: close).
 */
const probeAgent = new Agent({ keepAlive: true, maxSockets: 2, maxFreeSockets: 1 });

/** Whether `${baseUrl}/ready` answers 200 within `timeoutMs`. */
export function readinessProbe(baseUrl: string, timeoutMs: number): () => Promise<boolean> {
  const url = new URL('/ready', baseUrl);
  return () =>
    new Promise((resolve) => {
      const probe = request(url, { method: 'GET', agent: probeAgent, timeout: timeoutMs }, (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      });
      probe.on('timeout', () => probe.destroy());
      probe.on('error', () => resolve(false));
      probe.end();
    });
}

export interface RecoveryProbe {
  /** Resolves true once the dependency says it is ready. */
  isReady: () => Promise<boolean>;
  intervalMs: number;
}

/** The part of an opossum breaker this needs. */
interface Breaker {
  readonly opened: boolean;
  close(): void;
  on(event: 'open' | 'halfOpen' | 'close' | 'shutdown', listener: () => void): unknown;
}

/**
 * A breaker's reset timeout alone keeps an outage going long after a restarted dependency is back
 * (and instant 503s make closed-loop clients hammer harder). While the breaker is open, the
 * dependency's readiness is polled; its first "ready" closes the breaker. Should the dependency
 * still fail, the rolling window opens the breaker again at once.
 */
export function closeWhenReady(breaker: Breaker, probe: RecoveryProbe, onRecovered?: () => void): void {
  let timer: NodeJS.Timeout | undefined;
  let probing = false;
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };
  breaker.on('open', () => {
    if (timer) return;
    timer = setInterval(() => {
      if (probing) return;
      probing = true;
      void probe
        .isReady()
        .then((ready) => {
          if (ready && breaker.opened) {
            onRecovered?.();
            breaker.close();
          }
        })
        .finally(() => (probing = false));
    }, probe.intervalMs);
    timer.unref();
  });
  breaker.on('halfOpen', stop);
  breaker.on('close', stop);
  breaker.on('shutdown', stop);
}
