import type { UserDocument, UserStore } from '../users/user-store';
import { InvalidCredentials } from './auth-errors';
import type { PasswordHasher } from './passwords';

/**
 * The account whose password this is. An unknown email is compared against a throwaway hash (see
 * PasswordHasher.verify) and refused like a wrong password, so neither answer nor timing tells them apart.
 */
export async function checkCredentials(
  input: { email: string; password: string },
  deps: { users: Pick<UserStore, 'findByEmail'>; passwords: Pick<PasswordHasher, 'verify'> },
  signal?: AbortSignal,
): Promise<UserDocument> {
  const user = await deps.users.findByEmail(input.email);
  const valid = await deps.passwords.verify(input.password, user?.passwordHash, signal);
  if (!user || !valid) throw new InvalidCredentials();
  return user;
}
