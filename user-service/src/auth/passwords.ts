import bcrypt from 'bcrypt';
import pLimit from 'p-limit';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Compares against a real hash, or a throwaway one when the user does not exist. */
  verify(password: string, hash: string | undefined): Promise<boolean>;
}

/**
 * `concurrency` bounds how many hashes run at once. bcrypt is pure CPU on libuv's thread pool;
 * more hashes in flight than cores only slow each other down and starve whatever shares the
 * machine. Extra requests wait their turn instead.
 */
export function createPasswordHasher(rounds: number, concurrency = 1): PasswordHasher {
  const limit = pLimit(concurrency);
  // Comparing against a hash of the same cost when the account is missing keeps login time
  // the same for known and unknown emails, so timing does not reveal who has an account.
  const dummyHash = bcrypt.hashSync('not-a-real-password', rounds);
  return {
    hash: (password) => limit(() => bcrypt.hash(password, rounds)),
    verify: async (password, hash) => {
      const matches = await limit(() => bcrypt.compare(password, hash ?? dummyHash));
      return matches && hash !== undefined;
    },
  };
}
