import { currentUser, HttpError, parseInput, requireAuth } from '@ecom/service-kit';
import { Router } from 'express';
import type { PasswordHasher } from '../auth/passwords';
import type { RefreshTokenStore } from '../auth/refresh-tokens';
import type { UserServiceConfig } from '../config';
import { toPublicUser, type UserModel } from '../users/user-model';
import { updateProfileBody } from '../users/user-schemas';

export interface ProfileRouteDeps {
  config: UserServiceConfig;
  users: UserModel;
  passwords: PasswordHasher;
  refreshTokens: RefreshTokenStore;
}

export function profileRoutes(deps: ProfileRouteDeps): Router {
  const { users, passwords, refreshTokens } = deps;
  const router = Router();
  router.use(requireAuth(deps.config.verifier));

  router.get('/', async (req, res) => {
    const user = await users.findById(currentUser(req).id);
    if (!user) throw HttpError.notFound('User not found');
    res.json({ user: toPublicUser(user) });
  });

  router.put('/', async (req, res) => {
    const input = parseInput(updateProfileBody, req.body, 'body');
    const user = await users.findById(currentUser(req).id);
    if (!user) throw HttpError.notFound('User not found');
    if (input.password !== undefined) {
      if (!(await passwords.verify(input.currentPassword ?? '', user.passwordHash))) {
        throw HttpError.forbidden('Current password is incorrect');
      }
      user.passwordHash = await passwords.hash(input.password);
    }
    if (input.name !== undefined) user.name = input.name;
    await user.save();
    // A new password ends every other session: whoever knew the old one keeps no refresh token.
    if (input.password !== undefined) await refreshTokens.revokeAllFor(user.id as string);
    res.json({ user: toPublicUser(user) });
  });

  return router;
}
