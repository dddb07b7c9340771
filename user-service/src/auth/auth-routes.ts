import { parseInput } from '@ecom/service-kit';
import { Router } from 'express';
import type { UserServiceConfig } from '../config';
import type { UserMetrics } from '../metrics';
import type { UserStore } from '../users/user-store';
import { loginBody, refreshBody, registerBody } from '../users/user-schemas';
import { InvalidCredentials } from './auth-errors';
import { checkCredentials } from './check-credentials';
import { clientGoneSignal } from './client-gone';
import type { PasswordHasher } from './passwords';
import { refreshSession } from './refresh-session';
import type { RefreshTokenStore } from './refresh-tokens';
import { startSession } from './sessions';

export interface AuthRouteDeps {
  config: UserServiceConfig;
  userStore: UserStore;
  passwords: PasswordHasher;
  refreshTokens: RefreshTokenStore;
  userMetrics: UserMetrics;
}

export function authRoutes(deps: AuthRouteDeps): Router {
  const { userStore, passwords, refreshTokens, userMetrics, config } = deps;
  const router = Router();

  router.post('/register', async (req, res) => {
    const input = parseInput(registerBody, req.body, 'body');
    const passwordHash = await passwords.hash(input.password, clientGoneSignal(res));
    const user = await userStore.create({
      email: input.email,
      name: input.name,
      passwordHash,
      role: 'customer',
    });
    userMetrics.registrations.inc();
    res.status(201).json(await startSession(user, refreshTokens, config));
  });

  router.post('/login', async (req, res) => {
    const input = parseInput(loginBody, req.body, 'body');
    const user = await checkCredentials(input, { users: userStore, passwords }, clientGoneSignal(res)).catch(
      (error: unknown) => {
        // Only a refused password counts as a failed login; a busy queue or a caller gone does not.
        if (error instanceof InvalidCredentials) userMetrics.logins.inc({ outcome: 'failure' });
        throw error;
      },
    );
    userMetrics.logins.inc({ outcome: 'success' });
    res.json(await startSession(user, refreshTokens, config));
  });

  router.post('/refresh', async (req, res) => {
    const input = parseInput(refreshBody, req.body, 'body');
    const session = await refreshSession(input.refreshToken, {
      users: userStore,
      refreshTokens,
      config,
    }).catch((error: unknown) => {
      userMetrics.refreshes.inc({ outcome: 'failure' });
      throw error;
    });
    userMetrics.refreshes.inc({ outcome: 'success' });
    res.json(session);
  });

  // Logout needs only the refresh token: it must work even after the access token expired.
  router.post('/logout', async (req, res) => {
    const input = parseInput(refreshBody, req.body, 'body');
    await refreshTokens.revoke(input.refreshToken);
    res.status(204).end();
  });

  return router;
}
