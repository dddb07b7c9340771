import { z } from 'zod';

import { parsePublicJwks } from './jwt-keys';

/**
 * Shipped so local runs and tests work out of the box; accepted only when NODE_ENV says
 * development or test and the stack is not published on a public address.
 */
export const DEV_INTERNAL_TOKEN = 'dev-only-internal-token';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
const csv = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

/**
 * The replicas of another service: comma-separated http(s) URLs (two local processes), each of
 * which may also be a name that resolves to several addresses (Compose's DNS round robin).
 */
export const serviceUrls = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .pipe(csv)
    .pipe(
      z
        .array(
          z
            .url({ protocol: /^https?$/ })
            // A trailing slash would double up when paths are appended.
            .transform((value) => value.replace(/\/+$/, '')),
        )
        .min(1, 'must list at least one URL'),
    );

export const ACCESS_LOG_MODES = ['all', 'errors'] as const;
export type AccessLogMode = (typeof ACCESS_LOG_MODES)[number];

/** Variables every HTTP service reads. Services spread this and add their own. */

export function baseEnvShape(defaults: { port: number; database?: string; accessLog?: AccessLogMode }) {
  return {
    // Unset means production: development conveniences must be asked for, never inherited.
    NODE_ENV: z.enum(['development', 'test', 'production']).default('production'),
    PORT: port(defaults.port),
    // Containers set 0.0.0.0 explicitly (compose, Dockerfiles); a process on a laptop stays private.
    HOST: z.string().min(1).default('127.0.0.1'),
    /** The host address the stack's entry point is published on (compose passes BIND_ADDRESS). */
    PUBLISHED_ADDRESS: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** all: a line per request; errors: only 4xx/5xx (the gateway in front logs every request). */
    ACCESS_LOG: z.enum(ACCESS_LOG_MODES).default(defaults.accessLog ?? 'all'),
    // Any origin in development and test; outside them only the listed ones (none when unset).
    CORS_ORIGINS: csv.default(['*']),
    BODY_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i, 'must look like 100kb')
      .default('100kb'),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    SHUTDOWN_DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  };
}

export function mongoEnvShape(database: string) {
  return {
    MONGODB_URL: z.url({ protocol: /^mongodb(\+srv)?$/ }).default(`mongodb://127.0.0.1:27017/${database}`),
    MONGO_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  };
}

export const redisEnvShape = {
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /** Put into REDIS_URL at start; lets the password come from a secret file (REDIS_PASSWORD_FILE). */
  REDIS_PASSWORD: z.string().min(1).optional(),
};

/** The URL with the password filled in (percent-encoded), unless it carries one already. */
function withRedisPassword(redisUrl: string, password: string): string {
  const url = new URL(redisUrl);
  if (url.password) return redisUrl;
  url.password = password;
  return url.toString();
}

/** user-service's key set on the loopback address, where `npm start` runs it. */
export const DEFAULT_JWKS_URL = 'http://127.0.0.1:3001/.well-known/jwks.json';

/**
 * How a service verifies access tokens: the claims it expects, and user-service's public keys,
 * fetched from JWT_JWKS_URL or given as a JWK Set (JWT_PUBLIC_KEYS, from a file in containers).
 * No verifier holds anything that can sign.
 */
export const jwtEnvShape = {
  JWT_ISSUER: z.string().min(1).default('ecommerce-user-service'),
  JWT_AUDIENCE: z.string().min(1).default('ecommerce-api'),
  /** Comma-separated: one per user-service replica, tried in turn (or a name resolving to all of them). */
  JWT_JWKS_URL: serviceUrls(DEFAULT_JWKS_URL),
  JWT_PUBLIC_KEYS: z
    .string()
    .superRefine((value, ctx) => {
      try {
        parsePublicJwks(value);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a JWK Set of Ed25519 public keys: ${(error as Error).message}`,
        });
      }
    })
    .optional(),
  /** A key set older than this is fetched again in the background (announced keys show up within it). */
  JWT_JWKS_REFRESH_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  /** At most one JWKS fetch per this, however many unknown kids arrive. */
  JWT_JWKS_COOLDOWN_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  JWT_JWKS_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
};

/**
 * The variables of a service that owns a MongoDB database, shares Redis and verifies access tokens
 * (users, products, orders): the base ones, then MONGODB_*, REDIS_* and JWT_*.
 */
export function dataServiceEnvShape(defaults: { port: number; database: string; accessLog?: AccessLogMode }) {
  return { ...baseEnvShape(defaults), ...mongoEnvShape(defaults.database), ...redisEnvShape, ...jwtEnvShape };
}

export const internalTokenShape = {
  INTERNAL_TOKEN: z.string().min(16).default(DEV_INTERNAL_TOKEN),
};

export function isDevelopment(nodeEnv: unknown): boolean {
  return nodeEnv === 'development' || nodeEnv === 'test';
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this host only. */
export function isLoopbackAddress(address: string): boolean {
  const host = address.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function developmentSecretsInUse(config: Record<string, unknown>): string[] {
  const names: string[] = [];
  if (config.INTERNAL_TOKEN === DEV_INTERNAL_TOKEN) names.push('INTERNAL_TOKEN');
  return names;
}

/** Values that are fine on a laptop and dangerous anywhere else. */
function unsafeValues(config: Record<string, unknown>): string[] {
  const published = config.PUBLISHED_ADDRESS;
  if (isDevelopment(config.NODE_ENV)) {
    const devSecrets = developmentSecretsInUse(config);
    if (typeof published !== 'string' || isLoopbackAddress(published) || devSecrets.length === 0) return [];
    // Anyone who can reach the stack could sign their own admin token with the public dev secret.
    return [
      `the stack is published on ${published} (PUBLISHED_ADDRESS) with the public development ` +
        `${devSecrets.join(' and ')}: set ${devSecrets.join(' and ')} to random values ` +
        '(docker/generate-secrets.sh), or publish on 127.0.0.1',
    ];
  }
  const problems: string[] = [];
  if (config.INTERNAL_TOKEN === DEV_INTERNAL_TOKEN) {
    problems.push('INTERNAL_TOKEN must be set to a random value in production');
  }
  // Redis holds refresh tokens, rate-limit counters and the order events product-service acts on.
  if (typeof config.REDIS_URL === 'string' && !new URL(config.REDIS_URL).password) {
    problems.push('REDIS_URL must carry a password (or set REDIS_PASSWORD) in production');
  }
  return problems;
}

/**
 * Parses the environment once at start. Throws a ConfigError whose message names every
 * offending variable on one line, so the operator sees exactly what to fix.
 */
export function loadConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: NodeJS.ProcessEnv = process.env,
): z.output<z.ZodObject<Shape>> {
  const present: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== ''),
  );
  // The shared HS256 secret let every holder mint admin tokens; silently ignoring it would hide that.
  if (present.JWT_SECRET !== undefined || present.JWT_SECRET_FILE !== undefined) {
    throw new ConfigError(
      'Invalid configuration: JWT_SECRET is no longer read: access tokens are signed by user-service ' +
        '(JWT_SIGNING_KEYS) and verified with its public keys (JWT_JWKS_URL); remove it',
    );
  }
  // Outside development the CORS default is the empty list (no cross-origin caller), not '*'.
  if (!isDevelopment(present.NODE_ENV) && present.CORS_ORIGINS === undefined) present.CORS_ORIGINS = ',';
  const result = z.object(shape).safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const data = result.data as Record<string, unknown>;
  if (typeof data.REDIS_URL === 'string' && typeof data.REDIS_PASSWORD === 'string') {
    data.REDIS_URL = withRedisPassword(data.REDIS_URL, data.REDIS_PASSWORD);
  }
  const problems = unsafeValues(data);
  if (problems.length > 0) {
    const hint =
      present.NODE_ENV === undefined
        ? ' (NODE_ENV is unset, so production rules apply: set NODE_ENV=development for a local run)'
        : '';
    throw new ConfigError(`Unsafe configuration: ${problems.join('; ')}${hint}`);
  }
  return result.data;
}
