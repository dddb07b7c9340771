import CircuitBreaker from 'opossum';
import { closeWhenReady, type RecoveryProbe } from '@ecom/service-kit';
import type { Logger } from 'pino';
import { isClientFailure } from './upstream-errors';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitSettings {
  errorThresholdPercentage: number;
  volumeThreshold: number;
  rollingCountTimeout: number;
  resetTimeout: number;
}

type Task = () => Promise<void>;

export interface UpstreamCircuit {
  readonly upstream: string;
  run(task: Task): Promise<void>;
  onOpen(listener: () => void): void;
  /** Any change of state: opened, half-open, closed. */
  onChange(listener: () => void): void;
  readonly state: CircuitState;
  /** Seconds until an open circuit lets a request through again; the full reset time otherwise. */
  retryAfterSeconds(): number;
  shutdown(): void;
}

/**
 * One breaker per upstream. The breaker wraps "forward this request" as a task; timeouts are the
 * proxy's job (it can tell a 504 from a 503 and abort the upstream request), so opossum's own
 * timeout is off. A client hanging up or sending its body too slowly is not the upstream's fault
 * and is not counted.
 */
export function createUpstreamCircuit(
  upstream: string,
  settings: CircuitSettings,
  logger: Logger,
  recovery?: RecoveryProbe,
): UpstreamCircuit {
  const breaker = new CircuitBreaker((task: Task) => task(), {
    ...settings,
    timeout: false,
    errorFilter: isClientFailure,
  });
  let openedAt = 0;
  breaker.on('open', () => {
    openedAt = Date.now();
    logger.warn({ upstream, resetMs: settings.resetTimeout }, 'circuit opened: failing fast');
  });
  breaker.on('halfOpen', () => logger.info({ upstream }, 'circuit half-open: trying one request'));
  breaker.on('close', () => logger.info({ upstream }, 'circuit closed: upstream recovered'));
  if (recovery) {
    closeWhenReady(breaker, recovery, () =>
      logger.info({ upstream }, 'upstream ready again: closing its circuit'),
    );
  }

  const stateNow = (): CircuitState => {
    if (breaker.opened) return 'open';
    if (breaker.halfOpen) return 'half_open';
    return 'closed';
  };

  return {
    upstream,
    run: (task) => breaker.fire(task),
    onOpen(listener) {
      breaker.on('open', listener);
    },
    onChange(listener) {
      breaker.on('open', listener);
      breaker.on('halfOpen', listener);
      breaker.on('close', listener);
    },
    get state() {
      return stateNow();
    },
    retryAfterSeconds() {
      const resetMs = settings.resetTimeout;
      const remainingMs = stateNow() === 'open' ? openedAt + resetMs - Date.now() : resetMs;
      return Math.max(1, Math.ceil(remainingMs / 1000));
    },
    shutdown() {
      breaker.shutdown();
    },
  };
}
