import type { PasswordHasher } from '../auth/passwords';
import type { RefreshTokenStore } from '../auth/refresh-tokens';
import { type PublicUser, toPublicUser } from '../users/public-user';
import type { ProfileChanges, UserStore } from '../users/user-store';
import { AccountNotFound, WrongCurrentPassword } from './profile-errors';

/** A change of one's own account: a new name, or a new password with the current one. */
export interface ProfileUpdate {
  name?: string;
  password?: string;
  currentPassword?: string;
}

export interface ProfileUseCases {
  /** The signed-in account; AccountNotFound when it is gone. */
  show(userId: string): Promise<PublicUser>;
  /** Applies the update; WrongCurrentPassword when a password change names the wrong current one. */
  update(userId: string, update: ProfileUpdate): Promise<PublicUser>;
}

export function createProfileUseCases(deps: {
  users: Pick<UserStore, 'byId' | 'updateProfile'>;
  passwords: Pick<PasswordHasher, 'hash' | 'verify'>;
  refreshTokens: Pick<RefreshTokenStore, 'revokeAllFor'>;
}): ProfileUseCases {
  const { users, passwords, refreshTokens } = deps;

  const existing = async (userId: string) => {
    const user = await users.byId(userId);
    if (!user) throw new AccountNotFound();
    return user;
  };

  return {
    show: async (userId) => toPublicUser(await existing(userId)),

    async update(userId, update) {
      const user = await existing(userId);
      const changes: ProfileChanges = {};
      if (update.password !== undefined) {
        if (!(await passwords.verify(update.currentPassword ?? '', user.passwordHash))) {
          throw new WrongCurrentPassword();
        }
        changes.passwordHash = await passwords.hash(update.password);
      }
      if (update.name !== undefined) changes.name = update.name;
      const updated = await users.updateProfile(userId, changes);
      if (!updated) throw new AccountNotFound();
      // A new password ends every other session: whoever knew the old one keeps no refresh token.
      if (update.password !== undefined) await refreshTokens.revokeAllFor(userId);
      return toPublicUser(updated);
    },
  };
}
