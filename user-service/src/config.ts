import { availableParallelism } from 'node:os';
import {
  ConfigError,
  createAccessTokenSigner,
  dataServiceEnvShape,
  generateSigningKeys,
  isDevelopment,
  loadConfig,
  ownKeysVerifier,
  parseSigningKeys,
  type SigningKeySet,
} from '@ecom/service-kit';
import { z } from 'zod';

const DURATION = /^(\d+)([smhd]?)$/;
const SECONDS_PER_UNIT: Record<string, number> = { '': 1, s: 1, m: 60, h: 3_600, d: 86_400 };

/** "15m" → 900. Kept deliberately small: seconds, minutes, hours or days. */
export function durationToSeconds(value: string): number {
  const match = DURATION.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  return Number(match[1]) * SECONDS_PER_UNIT[match[2] ?? '']!;
}

const envShape = {
  ...dataServiceEnvShape({ port: 3001, database: 'users', accessLog: 'errors' }),
  JWT_EXPIRES_IN: z.string().regex(DURATION, 'must be seconds or a span like 15m, 1h').default('15m'),
  REFRESH_TOKEN_TTL: z.string().regex(DURATION, 'must be seconds or a span like 24h').default('24h'),
  BCRYPT_ROUNDS: z.coerce.number().int().min(4).max(15).default(10),
  // libuv's pool has 4 threads whatever the core count: on a small host, one hash per core at most.
  BCRYPT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(availableParallelism()),
  // Off by default: clients that retry at once turn shed requests into more load (BENCHMARKS.md).
  BCRYPT_QUEUE_MAX_WAIT_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(8).optional(),
  ADMIN_NAME: z.string().min(1).default('Administrator'),
  /**
   * The access-token keys, a JWK Set of Ed25519 private keys (docker/generate-secrets.sh writes
   * one; JWT_SIGNING_KEYS_FILE in containers). Only user-service reads it.
   */
  JWT_SIGNING_KEYS: z.string().min(1).optional(),
  /** Which of them signs; default the first. The others are published so they verify. */
  JWT_SIGNING_KID: z.string().min(1).optional(),
};

/**
 * The configured key set; without one, a key made for this process in development and tests
 * (tokens then die with it), and a refusal in production. Anything but Ed25519 private keys
 * (a shared secret, an RSA key, a key whose halves do not match) is refused everywhere.
 */
function signingKeysFrom(config: { NODE_ENV: string; JWT_SIGNING_KEYS?: string; JWT_SIGNING_KID?: string }): {
  keys: SigningKeySet;
  generated: boolean;
} {
  if (!config.JWT_SIGNING_KEYS) {
    if (isDevelopment(config.NODE_ENV)) return { keys: generateSigningKeys(), generated: true };
    throw new ConfigError(
      'Unsafe configuration: JWT_SIGNING_KEYS must be set in production (a JWK Set of Ed25519 ' +
        'private keys: docker/generate-secrets.sh makes one)',
    );
  }
  try {
    return { keys: parseSigningKeys(config.JWT_SIGNING_KEYS, config.JWT_SIGNING_KID), generated: false };
  } catch (error) {
    throw new ConfigError(`Invalid configuration: JWT_SIGNING_KEYS: ${(error as Error).message}`);
  }
}

export type UserServiceConfig = ReturnType<typeof loadUserServiceConfig>;

export function loadUserServiceConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(envShape, env);
  if (config.NODE_ENV === 'production' && config.BCRYPT_ROUNDS < 10) {
    throw new ConfigError('Unsafe configuration: BCRYPT_ROUNDS must be at least 10 in production');
  }
  if (Boolean(config.ADMIN_EMAIL) !== Boolean(config.ADMIN_PASSWORD)) {
    throw new ConfigError('Invalid configuration: ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  const { keys, generated } = signingKeysFrom(config);
  const audience = { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE };
  const accessTokenTtlSeconds = durationToSeconds(config.JWT_EXPIRES_IN);
  return {
    ...config,
    accessTokenTtlSeconds,
    refreshTokenTtlSeconds: durationToSeconds(config.REFRESH_TOKEN_TTL),
    signingKeys: keys,
    /** True when no key was configured and this process made its own (development, tests). */
    signingKeysGenerated: generated,
    accessTokens: createAccessTokenSigner(keys, { ...audience, expiresInSeconds: accessTokenTtlSeconds }),
    /** user-service verifies its own tokens with the keys it publishes, without asking itself. */
    verifier: ownKeysVerifier(keys, audience),
  };
}
