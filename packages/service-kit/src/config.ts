import { z } from 'zod';

/**
 * Shipped so local runs and tests work out of the box; accepted only when NODE_ENV says
 * development or test and the stack is not published on a public address.
 */
export const DEV_JWT_SECRET = 'dev-only-jwt-secret-do-not-use-in-production';
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

export const jwtEnvShape = {
  JWT_SECRET: z.string().min(16).default(DEV_JWT_SECRET),
  JWT_ISSUER: z.string().min(1).default('ecommerce-user-service'),
  JWT_AUDIENCE: z.string().min(1).default('ecommerce-api'),
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
  if (config.JWT_SECRET === DEV_JWT_SECRET) names.push('JWT_SECRET');
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
  const secret = config.JWT_SECRET;
  if (typeof secret === 'string' && (secret === DEV_JWT_SECRET || Buffer.byteLength(secret) < 32)) {
    problems.push('JWT_SECRET must be set to a random value of at least 32 bytes in production');
  }
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
