import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';

export interface StoreOutageHooks {
  /** Every failed call (for the error counter). */
  onError(error: unknown): void;
  /** First failure after a healthy period (logged once per outage, not once per request). */
  onOutage(error: unknown): void;
  onRecovery(): void;
}

/**
 * Wraps the Redis store to observe outages. Errors are rethrown: express-rate-limit's
 * `passOnStoreError` then lets the request through (fail open) without rate-limit headers.
 */
export class ObservedStore implements Store {
  readonly localKeys = false;
  readonly prefix?: string;
  private down = false;

  constructor(
    private readonly inner: Store,
    private readonly hooks: StoreOutageHooks,
  ) {
    this.prefix = inner.prefix;
  }

  init(options: Options): void {
    void this.inner.init?.(options);
  }

  async increment(key: string): Promise<IncrementResponse> {
    return this.observe(() => this.inner.increment(key));
  }

  async decrement(key: string): Promise<void> {
    await this.observe(() => this.inner.decrement(key));
  }

  async resetKey(key: string): Promise<void> {
    await this.observe(() => this.inner.resetKey(key));
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.observe(async () => this.inner.get?.(key));
  }

  private async observe<T>(call: () => Promise<T> | T): Promise<T> {
    try {
      const result = await call();
      if (this.down) {
        this.down = false;
        this.hooks.onRecovery();
      }
      return result;
    } catch (error) {
      this.hooks.onError(error);
      if (!this.down) {
        this.down = true;
        this.hooks.onOutage(error);
      }
      throw error;
    }
  }
}
