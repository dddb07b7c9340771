import { z } from 'zod';

/** Shipped so local runs and tests work out of the box; refused when NODE_ENV=production. */
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

/** Variables every HTTP service reads. Services spread this and add their own. */
export const ACCESS_LOG_MODES = ['all', 'errors'] as const;
export type AccessLogMode = (typeof ACCESS_LOG_MODES)[number];

export function baseEnvShape(defaults: { port: number; database?: string; accessLog?: AccessLogMode }) {
  return {
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: port(defaults.port),
    HOST: z.string().default('0.0.0.0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** all: a line per request; errors: only 4xx/5xx (the gateway in front logs every request). */
    ACCESS_LOG: z.enum(ACCESS_LOG_MODES).default(defaults.accessLog ?? 'all'),
    CORS_ORIGINS: csv.default(['*']),
    BODY_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i, 'must look like 100kb')
      .default('100kb'),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  };
}

export function mongoEnvShape(database: string) {
  return {
    MONGODB_URL: z.url({ protocol: /^mongodb(\+srv)?$/ }).default(`mongodb://127.0.0.1:27017/${database}`),
    MONGO_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    /** auto: FerretDB is detected at start-up (see chooseStorageMode). */
    STORAGE_MODE: z.enum(['auto', 'mongodb', 'ferretdb']).default('auto'),
  };
}

export const redisEnvShape = {
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
};

export const jwtEnvShape = {
  JWT_SECRET: z.string().min(16).default(DEV_JWT_SECRET),
  JWT_ISSUER: z.string().min(1).default('ecommerce-user-service'),
  JWT_AUDIENCE: z.string().min(1).default('ecommerce-api'),
};

export const internalTokenShape = {
  INTERNAL_TOKEN: z.string().min(16).default(DEV_INTERNAL_TOKEN),
};

/** Values that are fine on a laptop and dangerous anywhere else. */
function productionProblems(config: Record<string, unknown>): string[] {
  if (config.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  const secret = config.JWT_SECRET;
  if (typeof secret === 'string' && (secret === DEV_JWT_SECRET || Buffer.byteLength(secret) < 32)) {
    problems.push('JWT_SECRET must be set to a random value of at least 32 bytes in production');
  }
  if (config.INTERNAL_TOKEN === DEV_INTERNAL_TOKEN) {
    problems.push('INTERNAL_TOKEN must be set to a random value in production');
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
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = z.object(shape).safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const problems = productionProblems(result.data as Record<string, unknown>);
  if (problems.length > 0) throw new ConfigError(`Unsafe configuration: ${problems.join('; ')}`);
  return result.data;
}
