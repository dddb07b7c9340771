import { isDuplicateKey, type Logger } from '@ecom/service-kit';
import type { PasswordHasher } from '../auth/passwords';
import type { UserModel } from './model';

export interface AdminAccount {
  email: string;
  password: string;
  name: string;
}

/**
 * Makes sure the configured admin exists with the admin role. A single upsert keyed on the
 * unique email, so replicas starting together cannot create two accounts; an existing account
 * keeps its password (rotating it is the admin's business) but is promoted to admin.
 */
export async function ensureAdminAccount(
  users: UserModel,
  passwords: PasswordHasher,
  admin: AdminAccount,
  logger: Logger,
): Promise<void> {
  const email = admin.email.trim().toLowerCase();
  const passwordHash = await passwords.hash(admin.password);
  const upsert = () =>
    users.updateOne(
      { email },
      { $set: { role: 'admin' }, $setOnInsert: { email, name: admin.name, passwordHash } },
      { upsert: true },
    );
  try {
    await upsert();
  } catch (error) {
    // Two replicas raced to insert: the loser's upsert now finds the winner's document.
    if (!isDuplicateKey(error)) throw error;
    await upsert();
  }
  logger.info({ email }, 'admin account ensured');
}
