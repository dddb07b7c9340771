import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';

/**
 * An express-rate-limit store whose counters every replica shares (in Redis): not local keys, and
 * every call asynchronous. The library calls these as methods of the object it was given.
 */
export interface SharedStore extends Store {
  readonly localKeys: false;
  init(options: Options): void;
  increment(key: string): Promise<IncrementResponse>;
  decrement(key: string): Promise<void>;
  resetKey(key: string): Promise<void>;
  get(key: string): Promise<ClientRateLimitInfo | undefined>;
}
