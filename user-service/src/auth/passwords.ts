import { performance } from 'node:perf_hooks';
import { HttpError } from '@ecom/service-kit';
import bcrypt from 'bcrypt';
import pLimit from 'p-limit';
import type { UserServiceConfig } from '../config';

export interface PasswordHasher {
  /** `signal`: when it fires while the hash is still queued, the hash is skipped (see below). */
  hash(password: string, signal?: AbortSignal): Promise<string>;
  /** Compares against a real hash, or a throwaway one when the user does not exist. */
  verify(password: string, hash: string | undefined, signal?: AbortSignal): Promise<boolean>;
  /** Hashes waiting for their turn. */
  readonly queued: number;
}

export interface HasherOptions {
  /** Hashes computed at once; more wait their turn. */
  concurrency?: number;
  /**
   * The longest a caller may wait for its turn; 0 = no bound. Beyond it the caller gets a 503 with
   * Retry-After at once (when the queue predicts it) or at its turn (when the queue was slower).
   */
  maxWaitMs?: number;
}

/** The client went away before its turn: nginx's name for it, never sent to anyone. */
export const CLIENT_GONE_STATUS = 499;

const BUSY_MESSAGE = 'Too many sign-ups and logins at the moment; retry shortly';

/** Smoothed duration of one hash, as this machine runs it right now (load included). */
class HashTimer {
  private averageMs: number;

  constructor(firstMs: number) {
    this.averageMs = firstMs;
  }

  record(ms: number): void {
    this.averageMs += 0.2 * (ms - this.averageMs);
  }

  waitFor(queued: number, concurrency: number): number {
    return Math.ceil(queued / concurrency) * this.averageMs;
  }
}

function busy(waitMs: number): HttpError {
  const retryAfter = Math.min(30, Math.max(1, Math.ceil(waitMs / 1_000)));
  return new HttpError(503, BUSY_MESSAGE, { headers: { 'Retry-After': String(retryAfter) } });
}

/**
 * bcrypt is pure CPU on libuv's thread pool; more hashes in flight than cores only slow each other
 * down and starve whatever shares the machine, so at most `concurrency` run and the rest queue.
 *
 * Under overload that queue must stay bounded. Unbounded, its wait grows past the gateway's upstream
 * timeout: every sign-up then ends in a 504, the gateway's circuit opens and refuses logins as well,
 * and the hashes keep running for callers who are gone. So a caller whose wait would exceed
 * `maxWaitMs` (set below the gateway's timeout) gets a 503 with Retry-After straight away, and a
 * queued hash whose caller has gone (its signal fired) is dropped when its turn comes.
 */
export function createPasswordHasher(rounds: number, options: HasherOptions = {}): PasswordHasher {
  const concurrency = options.concurrency ?? 1;
  const maxWaitMs = options.maxWaitMs ?? 0;
  const limit = pLimit(concurrency);
  // Comparing against a hash of the same cost when the account is missing keeps login time
  // the same for known and unknown emails, so timing does not reveal who has an account.
  const started = performance.now();
  const dummyHash = bcrypt.hashSync('not-a-real-password', rounds);
  const timer = new HashTimer(performance.now() - started);

  const inTurn = <T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> => {
    if (maxWaitMs > 0) {
      const expectedWait = timer.waitFor(limit.activeCount + limit.pendingCount, concurrency);
      if (expectedWait > maxWaitMs) return Promise.reject(busy(expectedWait));
    }
    const queuedAt = performance.now();
    return limit(async () => {
      if (signal?.aborted) throw new HttpError(CLIENT_GONE_STATUS, 'Client closed the request');
      const turnAt = performance.now();
      if (maxWaitMs > 0 && turnAt - queuedAt > maxWaitMs) throw busy(turnAt - queuedAt);
      try {
        return await work();
      } finally {
        timer.record(performance.now() - turnAt);
      }
    });
  };
  return {
    hash: (password, signal) => inTurn(signal, () => bcrypt.hash(password, rounds)),
    verify: async (password, hash, signal) => {
      const matches = await inTurn(signal, () => bcrypt.compare(password, hash ?? dummyHash));
      return matches && hash !== undefined;
    },
    get queued() {
      return limit.pendingCount;
    },
  };
}

export function passwordHasherFor(
  config: Pick<UserServiceConfig, 'BCRYPT_ROUNDS' | 'BCRYPT_CONCURRENCY' | 'BCRYPT_QUEUE_MAX_WAIT_MS'>,
): PasswordHasher {
  return createPasswordHasher(config.BCRYPT_ROUNDS, {
    concurrency: config.BCRYPT_CONCURRENCY,
    maxWaitMs: config.BCRYPT_QUEUE_MAX_WAIT_MS,
  });
}
