import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  baseEnvShape,
  ConfigError,
  dataServiceEnvShape,
  internalTokenShape,
  loadConfig,
} from '../src/config';

/** What users, products and orders read (order and product also the internal token). */
const shape = { ...dataServiceEnvShape({ port: 4000, database: 'things' }), ...internalTokenShape };

/** Secrets strong enough for production, for tests about something else. */
const strong = {
  INTERNAL_TOKEN: 'y'.repeat(32),
  REDIS_URL: 'redis://:redis-secret@redis.internal:6379',
};

describe('loadConfig', () => {
  it('fills development defaults when NODE_ENV says development', () => {
    const config = loadConfig(shape, { NODE_ENV: 'development' });
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      PORT: 4000,
      MONGODB_URL: 'mongodb://127.0.0.1:27017/things',
      JWT_JWKS_URL: ['http://127.0.0.1:3001/.well-known/jwks.json'],
      CORS_ORIGINS: ['*'],
    });
  });

  it('treats empty variables as unset and parses lists and numbers', () => {
    const config = loadConfig(shape, {
      NODE_ENV: 'test',
      PORT: '',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      MONGO_POOL_SIZE: '5',
    });
    expect(config.PORT).toBe(4000);
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(config.MONGO_POOL_SIZE).toBe(5);
  });

  it('names every invalid variable in one line', () => {
    expect(() => loadConfig(shape, { PORT: 'eighty', MONGODB_URL: 'postgres://x' })).toThrow(
      /^Invalid configuration: PORT: .+; MONGODB_URL: .+$/,
    );
  });

  it('when a shared JWT secret is configured, then it is refused in any environment: only user-service signs', () => {
    for (const env of [
      { NODE_ENV: 'development', JWT_SECRET: 'x'.repeat(48) },
      { JWT_SECRET_FILE: '/run/secrets/jwt_secret' },
    ]) {
      const call = () => loadConfig(shape, env);
      expect(call).toThrow(ConfigError);
      expect(call).toThrow(/JWT_SECRET is no longer read/);
    }
  });

  it('refuses the development internal token in production', () => {
    expect(() => loadConfig(shape, { NODE_ENV: 'production', REDIS_PASSWORD: 'r'.repeat(32) })).toThrow(
      /INTERNAL_TOKEN must be set/,
    );
  });

  it('accepts a strong production configuration', () => {
    const config = loadConfig(shape, { NODE_ENV: 'production', ...strong });
    expect(config.NODE_ENV).toBe('production');
  });

  it('works with service-specific shapes', () => {
    const config = loadConfig(
      { ...baseEnvShape({ port: 1 }), EXTRA: z.coerce.number().default(7) },
      { NODE_ENV: 'test' },
    );
    expect(config.EXTRA).toBe(7);
  });

  it('when NODE_ENV is unset, then production rules apply and the development secrets are refused', () => {
    const call = () => loadConfig(shape, {});
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(/INTERNAL_TOKEN must be set.*NODE_ENV is unset/);
  });

  it('when the stack is published on a public address, then the development secrets are refused even in development', () => {
    const call = () => loadConfig(shape, { NODE_ENV: 'development', PUBLISHED_ADDRESS: '0.0.0.0' });
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(/published on 0\.0\.0\.0 .*INTERNAL_TOKEN/);
    expect(() =>
      loadConfig(shape, { NODE_ENV: 'development', PUBLISHED_ADDRESS: '127.0.0.1' }),
    ).not.toThrow();
    expect(() => loadConfig(shape, { NODE_ENV: 'development', PUBLISHED_ADDRESS: '[::1]' })).not.toThrow();
    expect(() =>
      loadConfig(shape, {
        NODE_ENV: 'development',
        PUBLISHED_ADDRESS: '192.0.2.10',
        INTERNAL_TOKEN: 'w'.repeat(32),
      }),
    ).not.toThrow();
  });

  it('listens on the loopback interface unless HOST says otherwise', () => {
    expect(loadConfig(shape, { NODE_ENV: 'development' }).HOST).toBe('127.0.0.1');
    expect(loadConfig(shape, { NODE_ENV: 'development', HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
  });

  it('allows every CORS origin only in development and test, none by default in production', () => {
    expect(loadConfig(shape, { NODE_ENV: 'test' }).CORS_ORIGINS).toEqual(['*']);
    const production = { NODE_ENV: 'production', ...strong };
    expect(loadConfig(shape, production).CORS_ORIGINS).toEqual([]);
    expect(loadConfig(shape, { ...production, CORS_ORIGINS: 'https://shop.example' }).CORS_ORIGINS).toEqual([
      'https://shop.example',
    ]);
  });

  it('when production has a Redis without a password, then start-up is refused', () => {
    const withoutRedisPassword = { ...strong, REDIS_URL: 'redis://redis.internal:6379' };
    expect(() => loadConfig(shape, { NODE_ENV: 'production', ...withoutRedisPassword })).toThrow(
      /REDIS_URL must carry a password \(or set REDIS_PASSWORD\) in production/,
    );
  });

  it('puts REDIS_PASSWORD (e.g. from REDIS_PASSWORD_FILE) into REDIS_URL, encoded', () => {
    const config = loadConfig(shape, {
      NODE_ENV: 'production',
      ...strong,
      REDIS_URL: 'redis://redis:6379',
      REDIS_PASSWORD: 'p@ss/word',
    });
    expect(config.REDIS_URL).toBe('redis://:p%40ss%2Fword@redis:6379');
  });
});
