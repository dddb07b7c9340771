import {
  createHttpApp,
  type HealthCheck,
  type Lifecycle,
  type Logger,
  openApiHandler,
  type ServiceMetrics,
} from '@ecom/service-kit';
import type { Express } from 'express';
import type { PasswordHasher } from './auth/passwords';
import type { RefreshTokenStore } from './auth/refresh-tokens';
import { authRoutes } from './auth/auth-routes';
import type { UserServiceConfig } from './config';
import { userRoutesDoc } from './openapi';
import { profileRoutes } from './profile/profile-routes';
import type { ProfileUseCases } from './profile/profile-use-cases';
import { jwksRoutes } from './keys/jwks-routes';
import { createUserMetrics } from './metrics';
import type { UserStore } from './users/user-store';

export interface UserServiceDeps {
  config: UserServiceConfig;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Users by email (the unique email index). */
  userStore: UserStore;
  passwords: PasswordHasher;
  /** Refresh tokens, kept hashed in Redis. */
  refreshTokens: RefreshTokenStore;
  profile: ProfileUseCases;
  lifecycle?: Lifecycle;
  readinessChecks?: Record<string, HealthCheck>;
}

export function createApp(deps: UserServiceDeps): Express {
  const { config, userStore, passwords, refreshTokens, profile } = deps;
  const userMetrics = createUserMetrics(deps.metrics, passwords);

  return createHttpApp(
    {
      service: 'user-service',
      accessLog: config.ACCESS_LOG,
      logger: deps.logger,
      metrics: deps.metrics,
      lifecycle: deps.lifecycle,
      readinessChecks: deps.readinessChecks,
      corsOrigins: config.CORS_ORIGINS,
      jsonBodyLimit: config.BODY_LIMIT,
      documentedRoutes: userRoutesDoc,
    },
    (app) => {
      app.use(jwksRoutes(config.signingKeys));
      app.get('/openapi.json', openApiHandler({ title: 'user-service', version: '1.0.0' }, userRoutesDoc));
      app.use('/auth/profile', profileRoutes({ config, profile }));
      app.use('/auth', authRoutes({ config, userStore, passwords, refreshTokens, userMetrics }));
    },
  );
}
