import { availableParallelism } from 'node:os';
import { ConfigError, dataServiceEnvShape, jwtSettingsFrom, loadConfig } from '@ecom/service-kit';
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
};

export type UserServiceConfig = ReturnType<typeof loadUserServiceConfig>;

export function loadUserServiceConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(envShape, env);
  if (config.NODE_ENV === 'production' && config.BCRYPT_ROUNDS < 10) {
    throw new ConfigError('Unsafe configuration: BCRYPT_ROUNDS must be at least 10 in production');
  }
  if (Boolean(config.ADMIN_EMAIL) !== Boolean(config.ADMIN_PASSWORD)) {
    throw new ConfigError('Invalid configuration: ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  return {
    ...config,
    accessTokenTtlSeconds: durationToSeconds(config.JWT_EXPIRES_IN),
    refreshTokenTtlSeconds: durationToSeconds(config.REFRESH_TOKEN_TTL),
    jwt: { ...jwtSettingsFrom(config), expiresIn: durationToSeconds(config.JWT_EXPIRES_IN) },
  };
}
