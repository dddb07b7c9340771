import { currentUser, parseInput, requireAuth } from '@ecom/service-kit';
import { Router } from 'express';
import type { UserServiceConfig } from '../config';
import { updateProfileBody } from '../users/user-schemas';
import type { ProfileUseCases } from './profile-use-cases';

export interface ProfileRouteDeps {
  config: UserServiceConfig;
  profile: ProfileUseCases;
}

export function profileRoutes(deps: ProfileRouteDeps): Router {
  const { profile } = deps;
  const router = Router();
  router.use(requireAuth(deps.config.verifier));

  router.get('/', async (req, res) => {
    res.json({ user: await profile.show(currentUser(req).id) });
  });

  router.put('/', async (req, res) => {
    const input = parseInput(updateProfileBody, req.body, 'body');
    res.json({ user: await profile.update(currentUser(req).id, input) });
  });

  return router;
}
