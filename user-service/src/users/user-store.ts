import { ensureIndexes, isDuplicateKey, retryWriteConflicts } from '@ecom/service-kit';
import type { Connection } from 'mongoose';
import { EmailTaken } from './user-errors';
import { createUserModel, type User, type UserDocument } from './user-model';

export type { User, UserDocument } from './user-model';

export type NewUser = Pick<User, 'email' | 'name' | 'passwordHash' | 'role'>;

/** What a customer may change of their own account. */
export type ProfileChanges = Partial<Pick<User, 'name' | 'passwordHash'>>;

/** The user aggregate's storage: every read and write of users goes through here. */
export interface UserStore {
  /** Throws EmailTaken when the email is taken. */
  create(user: NewUser): Promise<UserDocument>;
  /**
   * Stores a batch in one unordered insert, with the same defaults and normalisation as `create`;
   * the new ids in the order given. A taken email throws EmailTaken (the rest of the batch is stored).
   */
  insertMany(users: NewUser[]): Promise<string[]>;
  /** The one lookup that is not by `_id`, served by the unique email index. */
  findByEmail(email: string): Promise<UserDocument | null>;
  byId(id: string): Promise<UserDocument | null>;
  /** The account after the change, or null when it no longer exists. */
  updateProfile(id: string, changes: ProfileChanges): Promise<UserDocument | null>;
}

const emailTakenOr = (error: unknown): never => {
  throw isDuplicateKey(error) ? new EmailTaken() : error;
};

/**
 * The unique index on `email` serves the lookup and refuses a second account, also when sign-ups
 * race; it is built (if missing) before the store is handed out.
 */
export async function createUserStore(connection: Connection): Promise<UserStore> {
  const users = createUserModel(connection);
  await ensureIndexes([users]);
  return {
    create: (user) => retryWriteConflicts(() => users.create(user)).catch(emailTakenOr),
    async insertMany(batch) {
      const documents = batch.map((user) => new users(user));
      await users.insertMany(documents, { ordered: false, throwOnValidationError: true }).catch(emailTakenOr);
      return documents.map((document) => document.id as string);
    },
    findByEmail: (email) => users.findOne({ email }),
    byId: (id) => users.findById(id),
    // The schema's rules hold for a change as for a new account (save() ran them; an update must ask).
    updateProfile: (id, changes) =>
      users.findByIdAndUpdate(id, { $set: changes }, { returnDocument: 'after', runValidators: true }),
  };
}
