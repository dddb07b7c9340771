import { performance } from 'node:perf_hooks';
import bcrypt from 'bcrypt';
import pLimit from 'p-limit';
import type { UserServiceConfig } from '../config';
import { ClientGone, HashingBusy } from './auth-errors';

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
   * The longest a caller may wait for its turn; 0 = no bound. Beyond it the caller is refused with
   * HashingBusy (503 with Retry-After) at once (when the queue predicts it) or at its turn (when the
   * queue was slower).
   */
  maxWaitMs?: number;
}

/**
 * One bcrypt hash at `rounds`, as the service stores it, outside the queue: for tools that prepare
 * accounts in bulk (one hash shared by every preloaded user), never on a request path.
 */
export function hashPassword(password: string, rounds: number): Promise<string> {
  return bcrypt.hash(password, rounds);
}

/** Smoothed duration of one hash, as this machine runs it right now (load included). */
function createHashTimer(firstMs: number) {
  let averageMs = firstMs;
  return {
    record(ms: number): void {
      averageMs += 0.2 * (ms - averageMs);
    },
    waitFor(queued: number, concurrency: number): number {
      return Math.ceil(queued / concurrency) * averageMs;
    },
  };
}

/**
 * bcrypt is pure CPU on libuv's thread pool; more hashes in flight than cores only slow each other
 * down and starve whatever shares the machine, so at most `concurrency` run and the rest queue.
 *
 * Under overload that queue must stay bounded. Unbounded, its wait grows past the gateway's upstream
 * timeout: every sign-up then ends in a 504, the gateway's circuit opens and refuses logins as well,
 * and the hashes keep running for callers who are gone. So a caller whose wait would exceed
 * `maxWaitMs` (set below the gateway's timeout) gets HashingBusy (503 with Retry-After) straight away,
 * and a queued hash whose caller has gone (its signal fired) is dropped when its turn comes (ClientGone).
 */
export function createPasswordHasher(rounds: number, options: HasherOptions = {}): PasswordHasher {
  const concurrency = options.concurrency ?? 1;
  const maxWaitMs = options.maxWaitMs ?? 0;
  const limit = pLimit(concurrency);
  // Comparing against a hash of the same cost when the account is missing keeps login time
  // the same for known and unknown emails, so timing does not reveal who has an account.
  const started = performance.now();
  const dummyHash = bcrypt.hashSync('not-a-real-password', rounds);
  const timer = createHashTimer(performance.now() - started);

  const inTurn = <T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> => {
    if (maxWaitMs > 0) {
      const expectedWait = timer.waitFor(limit.activeCount + limit.pendingCount, concurrency);
      if (expectedWait > maxWaitMs) return Promise.reject(new HashingBusy(expectedWait));
    }
    const queuedAt = performance.now();
    return limit(async () => {
      if (signal?.aborted) throw new ClientGone();
      const turnAt = performance.now();
      if (maxWaitMs > 0 && turnAt - queuedAt > maxWaitMs) throw new HashingBusy(turnAt - queuedAt);
      try {
        return await work();
      } finally {
        timer.record(performance.now() - turnAt);
      }
    });
  };
  return {
    hash: (password, signal) => inTurn(signal, () => hashPassword(password, rounds)),
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
