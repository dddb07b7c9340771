import { ConfigError, type Logger } from '@ecom/service-kit';
import { EmailTaken } from './user-errors';
import type { UserStore } from './user-store';

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
 * Created through the store, whose unique email refuses a second account, so replicas starting
 * together cannot create two; nothing is ever written to an existing account.
 */
export async function ensureAdminAccount(
  store: UserStore,
  // Only hashing, typed here so users/ does not depend on auth/ (which depends on users/).
  passwords: { hash(password: string): Promise<string> },
  admin: AdminAccount,
  logger: Logger,
): Promise<void> {
  const email = admin.email.trim().toLowerCase();
  let existing = await store.findByEmail(email);
  if (!existing) {
    const passwordHash = await passwords.hash(admin.password);
    try {
      await store.create({ email, name: admin.name, passwordHash, role: 'admin' });
      logger.info({ email }, 'admin account created');
      return;
    } catch (error) {
      // Two replicas raced to create it: the winner's account is checked below.
      if (!(error instanceof EmailTaken)) throw error;
      existing = await store.findByEmail(email);
    }
  }
  if (existing?.role !== 'admin') {
    throw new ConfigError(
      `Unsafe configuration: ADMIN_EMAIL ${email} belongs to an existing non-admin account; ` +
        'choose another address, or promote that account deliberately in the database',
    );
  }
  logger.info({ email }, 'admin account already present');
}
