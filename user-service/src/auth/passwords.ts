import { HttpError } from '@ecom/service-kit';
import bcrypt from 'bcrypt';
import pLimit from 'p-limit';

export interface PasswordHasher {
  /** `signal`: when it fires while the hash is still queued, the hash is skipped (see below). */
  hash(password: string, signal?: AbortSignal): Promise<string>;
  /** Compares against a real hash, or a throwaway one when the user does not exist. */
  verify(password: string, hash: string | undefined, signal?: AbortSignal): Promise<boolean>;
  /** Hashes waiting for their turn. */
  readonly queued: number;
}

/** The client went away before its turn: nginx's name for it, never sent to anyone. */
export const CLIENT_GONE_STATUS = 499;

/**
 * `concurrency` bounds how many hashes run at once. bcrypt is pure CPU on libuv's thread pool;
 * more hashes in flight than cores only slow each other down and starve whatever shares the
 * machine. Extra requests wait their turn instead.
 *
 * Under overload that queue grows past the gateway's timeout, and the gateway gives up on the
 * request. Hashing for a request nobody waits for any more burns the CPU the next ones need, so
 * a hash whose caller has gone (its signal fired) is dropped when its turn comes.
 */
export function createPasswordHasher(rounds: number, concurrency = 1): PasswordHasher {
  const limit = pLimit(concurrency);
  // Comparing against a hash of the same cost when the account is missing keeps login time
  // the same for known and unknown emails, so timing does not reveal who has an account.
  const dummyHash = bcrypt.hashSync('not-a-real-password', rounds);
  const inTurn = <T>(signal: AbortSignal | undefined, work: () => Promise<T>) =>
    limit(() => {
      if (signal?.aborted) throw new HttpError(CLIENT_GONE_STATUS, 'Client closed the request');
      return work();
    });
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
