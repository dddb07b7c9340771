import { inBatches, type Role } from '@ecom/service-kit';
import type { Connection } from 'mongoose';
import { emailSchema } from './user-schemas';
import { createUserStore } from './user-store';

/** An account to import: its password already hashed (see hashPassword); a customer unless said. */
export interface ImportedUser {
  email: string;
  name: string;
  passwordHash: string;
  role?: Role;
}

/**
 * Stores many accounts at once, for the load tool's preload: built by the user store as a sign-up
 * builds them (the email normalised and checked the same way, role `customer` by default, the same
 * fields and timestamps), in unordered batches of 1,000. Returns the new ids in the order given.
 * A taken email rejects with EmailTaken after its batch's other accounts were stored.
 */
export async function importUsers(
  connection: Connection,
  users: ImportedUser[],
): Promise<{ userIds: string[] }> {
  const store = await createUserStore(connection);
  const idsPerBatch = await inBatches(users, (batch) =>
    store.insertMany(
      batch.map((user) => ({
        email: emailSchema.parse(user.email),
        name: user.name,
        passwordHash: user.passwordHash,
        role: user.role ?? 'customer',
      })),
    ),
  );
  return { userIds: idsPerBatch.flat() };
}
