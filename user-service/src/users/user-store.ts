import type { User, UserDocument, UserModel } from './user-model';

export type NewUser = Pick<User, 'email' | 'name' | 'passwordHash' | 'role'>;

/** Users by email: the one lookup that is not by `_id`. */
export interface UserStore {
  /** Throws a duplicate-key error (isDuplicateKey) when the email is taken. */
  create(user: NewUser): Promise<UserDocument>;
  findByEmail(email: string): Promise<UserDocument | null>;
}

/** The unique index on `email` serves the lookup and refuses a second account, also when sign-ups race. */
export function createUserStore(users: UserModel): UserStore {
  return {
    create: (user) => users.create(user),
    findByEmail: (email) => users.findOne({ email }),
  };
}
