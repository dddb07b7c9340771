import { ConfigError, isDuplicateKey, type Logger } from '@ecom/service-kit';
import type { PasswordHasher } from '../auth/passwords';
import type { UserModel } from './model';

export interface AdminAccount {
  email: string;
  password: string;
  name: string;
}

/**
 * Creates the configured admin when no account has that address. Never promotes: registration
 * is open and addresses are unverified, so whoever registered the address first would become
 * admin with their own password. An existing admin keeps its password (rotating it is the
 * admin's business); an existing non-admin stops the start-up.
 *
 * One upsert whose fields are all $setOnInsert, keyed on the unique email, so replicas starting
 * together cannot create two accounts and nothing is ever written to an existing one.
 */
export async function ensureAdminAccount(
  users: UserModel,
  passwords: PasswordHasher,
  admin: AdminAccount,
  logger: Logger,
): Promise<void> {
  const email = admin.email.trim().toLowerCase();
  const passwordHash = await passwords.hash(admin.password);
  const insertIfAbsent = () =>
    users.updateOne(
      { email },
      { $setOnInsert: { email, name: admin.name, passwordHash, role: 'admin' } },
      { upsert: true },
    );
  const created = await insertIfAbsent().catch((error: unknown) => {
    // Two replicas raced to insert: the loser's upsert now finds the winner's document.
    if (isDuplicateKey(error)) return insertIfAbsent();
    throw error;
  });
  if (created.upsertedCount > 0) {
    logger.info({ email }, 'admin account created');
    return;
  }
  const existing = await users.findOne({ email }, { role: 1 }).lean();
  if (existing?.role !== 'admin') {
    throw new ConfigError(
      `Unsafe configuration: ADMIN_EMAIL ${email} belongs to an existing non-admin account; ` +
        'choose another address, or promote that account deliberately in the database',
    );
  }
  logger.info({ email }, 'admin account already present');
}
