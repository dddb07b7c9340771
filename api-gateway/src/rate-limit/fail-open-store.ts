import type { Store } from 'express-rate-limit';
import type { SharedStore } from './shared-store';

export interface StoreOutageHooks {
  /** Every failed call (for the error counter). */
  onError(error: unknown): void;
  /** First failure after a healthy period (logged once per outage, not once per request). */
  onOutage(error: unknown): void;
  onRecovery(): void;
}

export type ObservedStore = SharedStore;

/**
 * Wraps the Redis store to observe outages. Errors are rethrown: express-rate-limit's
 * `passOnStoreError` then lets the request through (fail open) without rate-limit headers.
 */
export function createObservedStore(inner: Store, hooks: StoreOutageHooks): ObservedStore {
  let down = false;

  async function observe<T>(call: () => Promise<T> | T): Promise<T> {
    try {
      const result = await call();
      if (down) {
        down = false;
        hooks.onRecovery();
      }
      return result;
    } catch (error) {
      hooks.onError(error);
      if (!down) {
        down = true;
        hooks.onOutage(error);
      }
      throw error;
    }
  }

  return {
    localKeys: false,
    prefix: inner.prefix,
    init(options) {
      void inner.init?.(options);
    },
    increment: (key) => observe(() => inner.increment(key)),
    async decrement(key) {
      await observe(() => inner.decrement(key));
    },
    async resetKey(key) {
      await observe(() => inner.resetKey(key));
    },
    get: (key) => observe(async () => inner.get?.(key)),
  };
}
