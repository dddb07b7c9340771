import { retryWriteConflicts } from '@ecom/service-kit';
import type { User, UserDocument, UserModel } from './user-model';

export type NewUser = Pick<User, 'email' | 'name' | 'passwordHash' | 'role'>;

/** What a customer may change of their own account. */
export type ProfileChanges = Partial<Pick<User, 'name' | 'passwordHash'>>;

/** The user aggregate's storage: every read and write of users goes through here. */
export interface UserStore {
  /** Throws a duplicate-key error (isDuplicateKey) when the email is taken. */
  create(user: NewUser): Promise<UserDocument>;
  /** The one lookup that is not by `_id`, served by the unique email index. */
  findByEmail(email: string): Promise<UserDocument | null>;
  byId(id: string): Promise<UserDocument | null>;
  /** The account after the change, or null when it no longer exists. */
  updateProfile(id: string, changes: ProfileChanges): Promise<UserDocument | null>;
}

/** The unique index on `email` serves the lookup and refuses a second account, also when sign-ups race. */
export function createUserStore(users: UserModel): UserStore {
  return {
    create: (user) => retryWriteConflicts(() => users.create(user)),
    findByEmail: (email) => users.findOne({ email }),
    byId: (id) => users.findById(id),
    // The schema's rules hold for a change as for a new account (save() ran them; an update must ask).
    updateProfile: (id, changes) =>
      users.findByIdAndUpdate(id, { $set: changes }, { returnDocument: 'after', runValidators: true }),
  };
}
