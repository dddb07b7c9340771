import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';
import { ClientClosedError } from './upstream-errors';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitSettings {
  errorThresholdPercentage: number;
  volumeThreshold: number;
  rollingCountTimeout: number;
  resetTimeout: number;
}

type Task = () => Promise<void>;

export interface RecoveryProbe {
  /** Resolves true once the upstream says it is ready (its /ready answers 200). */
  isReady: () => Promise<boolean>;
  intervalMs: number;
}

/**
 * One breaker per upstream. The breaker wraps "forward this request" as a task; timeouts are the
 * proxy's job (it can tell a 504 from a 503 and abort the upstream request), so opossum's own
 * timeout is off. A client hanging up is not the upstream's fault and is not counted.
 */
export class UpstreamCircuit {
  private readonly breaker: CircuitBreaker<[Task], void>;
  private openedAt = 0;
  private probeTimer?: NodeJS.Timeout;

  constructor(
    readonly upstream: string,
    private readonly settings: CircuitSettings,
    logger: Logger,
    private readonly recovery?: RecoveryProbe,
  ) {
    this.breaker = new CircuitBreaker((task: Task) => task(), {
      ...settings,
      timeout: false,
      errorFilter: (error: unknown) => error instanceof ClientClosedError,
    });
    this.breaker.on('open', () => {
      this.openedAt = Date.now();
      logger.warn({ upstream, resetMs: settings.resetTimeout }, 'circuit opened: failing fast');
      this.watchRecovery(logger);
    });
    this.breaker.on('halfOpen', () => {
      this.stopWatching();
      logger.info({ upstream }, 'circuit half-open: trying one request');
    });
    this.breaker.on('close', () => {
      this.stopWatching();
      logger.info({ upstream }, 'circuit closed: upstream recovered');
    });
  }

  /**
   * The reset timeout alone keeps an outage going long after a restarted upstream is back (and its
   * instant 503s make closed-loop clients hammer harder). While open, the upstream's readiness is
   * polled: its first 200 lets traffic through again. Should the upstream still fail, the rolling
   * window opens the circuit again at once.
   */
  private watchRecovery(logger: Logger): void {
    const recovery = this.recovery;
    if (!recovery || this.probeTimer) return;
    let probing = false;
    this.probeTimer = setInterval(() => {
      if (probing) return;
      probing = true;
      void recovery
        .isReady()
        .then((ready) => {
          if (ready && this.breaker.opened) {
            logger.info({ upstream: this.upstream }, 'upstream ready again: closing its circuit');
            this.breaker.close();
          }
        })
        .finally(() => (probing = false));
    }, recovery.intervalMs);
    this.probeTimer.unref();
  }

  private stopWatching(): void {
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  run(task: Task): Promise<void> {
    return this.breaker.fire(task);
  }

  onOpen(listener: () => void): void {
    this.breaker.on('open', listener);
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
    this.stopWatching();
    this.breaker.shutdown();
  }
}
