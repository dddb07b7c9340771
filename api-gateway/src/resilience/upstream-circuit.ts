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

/**
 * One breaker per upstream. The breaker wraps "forward this request" as a task; timeouts are the
 * proxy's job (it can tell a 504 from a 503 and abort the upstream request), so opossum's own
 * timeout is off. A client hanging up or sending its body too slowly is not the upstream's fault
 * and is not counted.
 */
export class UpstreamCircuit {
  private readonly breaker: CircuitBreaker<[Task], void>;
  private openedAt = 0;

  constructor(
    readonly upstream: string,
    private readonly settings: CircuitSettings,
    logger: Logger,
    recovery?: RecoveryProbe,
  ) {
    this.breaker = new CircuitBreaker((task: Task) => task(), {
      ...settings,
      timeout: false,
      errorFilter: isClientFailure,
    });
    this.breaker.on('open', () => {
      this.openedAt = Date.now();
      logger.warn({ upstream, resetMs: settings.resetTimeout }, 'circuit opened: failing fast');
    });
    this.breaker.on('halfOpen', () => logger.info({ upstream }, 'circuit half-open: trying one request'));
    this.breaker.on('close', () => logger.info({ upstream }, 'circuit closed: upstream recovered'));
    if (recovery) {
      closeWhenReady(this.breaker, recovery, () =>
        logger.info({ upstream }, 'upstream ready again: closing its circuit'),
      );
    }
  }

  run(task: Task): Promise<void> {
    return this.breaker.fire(task);
  }

  onOpen(listener: () => void): void {
    this.breaker.on('open', listener);
  }

  /** Any change of state: opened, half-open, closed. */
  onChange(listener: () => void): void {
    this.breaker.on('open', listener);
    this.breaker.on('halfOpen', listener);
    this.breaker.on('close', listener);
  }

  get state(): CircuitState {
    if (this.breaker.opened) return 'open';
    if (this.breaker.halfOpen) return 'half_open';
    return 'closed';
  }

  /** Seconds until an open circuit lets a request through again; the full reset time otherwise. */
  retryAfterSeconds(): number {
    const resetMs = this.settings.resetTimeout;
    const remainingMs = this.state === 'open' ? this.openedAt + resetMs - Date.now() : resetMs;
    return Math.max(1, Math.ceil(remainingMs / 1000));
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}
