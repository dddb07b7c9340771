import { isDuplicateKey, type Logger } from '@ecom/service-kit';
import type { PasswordHasher } from '../auth/passwords';
import type { UserModel } from './model';
import type { UserStore } from './user-store';

export interface AdminAccount {
  email: string;
  password: string;
  name: string;
}

/**
 * Makes sure the configured admin exists with the admin role. Created through the store, whose
 * unique email refuses a second account, so replicas starting together cannot create two; an
 * existing account keeps its password (rotating it is the admin's business) but is promoted.
 */
export async function ensureAdminAccount(
  users: UserModel,
  store: UserStore,
  passwords: PasswordHasher,
  admin: AdminAccount,
  logger: Logger,
): Promise<void> {
  const email = admin.email.trim().toLowerCase();
  let existing = await store.findByEmail(email);
  if (!existing) {
    const passwordHash = await passwords.hash(admin.password);
    try {
      await store.create({ email, name: admin.name, passwordHash, role: 'admin' });
    } catch (error) {
      // Two replicas raced to create it: the winner's account is promoted below.
      if (!isDuplicateKey(error)) throw error;
      existing = await store.findByEmail(email);
    }
  }
  if (existing) await users.updateOne({ _id: existing._id }, { $set: { role: 'admin' } });
  logger.info({ email }, 'admin account ensured');
}
