import bcrypt from 'bcrypt';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Compares against a real hash, or a throwaway one when the user does not exist. */
  verify(password: string, hash: string | undefined): Promise<boolean>;
}

export function createPasswordHasher(rounds: number): PasswordHasher {
  // Comparing against a hash of the same cost when the account is missing keeps login time
  // the same for known and unknown emails, so timing does not reveal who has an account.
  const dummyHash = bcrypt.hashSync('not-a-real-password', rounds);
  return {
    hash: (password) => bcrypt.hash(password, rounds),
    verify: async (password, hash) => {
      const matches = await bcrypt.compare(password, hash ?? dummyHash);
      return matches && hash !== undefined;
    },
  };
}
