import { currentUser, HttpError, parseInput, requireAuth } from '@ecom/service-kit';
import { Router } from 'express';
import type { PasswordHasher } from '../auth/passwords';
import type { RefreshTokenStore } from '../auth/refresh-tokens';
import type { UserServiceConfig } from '../config';
import { toPublicUser } from '../users/user-model';
import type { UserStore } from '../users/user-store';
import { updateProfileBody } from '../users/user-schemas';

export interface ProfileRouteDeps {
  config: UserServiceConfig;
  userStore: Pick<UserStore, 'byId' | 'updateProfile'>;
  passwords: PasswordHasher;
  refreshTokens: RefreshTokenStore;
}

export function profileRoutes(deps: ProfileRouteDeps): Router {
  const { userStore, passwords, refreshTokens } = deps;
  const router = Router();
  router.use(requireAuth(deps.config.verifier));

  router.get('/', async (req, res) => {
    const user = await userStore.byId(currentUser(req).id);
    if (!user) throw HttpError.notFound('User not found');
    res.json({ user: toPublicUser(user) });
  });

  router.put('/', async (req, res) => {
    const input = parseInput(updateProfileBody, req.body, 'body');
    const id = currentUser(req).id;
    const user = await userStore.byId(id);
    if (!user) throw HttpError.notFound('User not found');
    const changes: { name?: string; passwordHash?: string } = {};
    if (input.password !== undefined) {
      if (!(await passwords.verify(input.currentPassword ?? '', user.passwordHash))) {
        throw HttpError.forbidden('Current password is incorrect');
      }
      changes.passwordHash = await passwords.hash(input.password);
    }
    if (input.name !== undefined) changes.name = input.name;
    const updated = await userStore.updateProfile(id, changes);
    if (!updated) throw HttpError.notFound('User not found');
    // A new password ends every other session: whoever knew the old one keeps no refresh token.
    if (input.password !== undefined) await refreshTokens.revokeAllFor(id);
    res.json({ user: toPublicUser(updated) });
  });

  return router;
}
