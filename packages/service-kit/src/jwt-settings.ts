import { createAccessTokenVerifier, type KeySource, staticKeySource } from './access-tokens';
import type { AccessTokenVerifier } from './auth';
import { remoteKeySource } from './jwks-client';
import { parsePublicJwks } from './jwt-keys';
import type { Logger } from './logger';

/** The JWT_* variables of jwtEnvShape, as any service's parsed config carries them. */
export interface JwtEnv {
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  JWT_JWKS_URL: string[];
  JWT_PUBLIC_KEYS?: string | undefined;
  JWT_JWKS_REFRESH_MS: number;
  JWT_JWKS_COOLDOWN_MS: number;
  JWT_JWKS_TIMEOUT_MS: number;
}

/** user-service's public keys as this config names them: a given JWK Set, else its JWKS URL. */
export function keySourceFrom(config: JwtEnv, logger?: Pick<Logger, 'warn' | 'info'>): KeySource {
  if (config.JWT_PUBLIC_KEYS) return staticKeySource(parsePublicJwks(config.JWT_PUBLIC_KEYS));
  return remoteKeySource({
    urls: config.JWT_JWKS_URL,
    refreshMs: config.JWT_JWKS_REFRESH_MS,
    cooldownMs: config.JWT_JWKS_COOLDOWN_MS,
    timeoutMs: config.JWT_JWKS_TIMEOUT_MS,
    logger,
  });
}

/**
 * The one mapping from config to a token verifier, so no service spells it out again. Make one
 * per process: it holds the cached key set.
 */
export function accessTokenVerifierFrom(
  config: JwtEnv,
  logger?: Pick<Logger, 'warn' | 'info'>,
): AccessTokenVerifier {
  return createAccessTokenVerifier(keySourceFrom(config, logger), {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });
}
