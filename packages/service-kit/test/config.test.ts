import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  baseEnvShape,
  ConfigError,
  DEV_JWT_SECRET,
  internalTokenShape,
  jwtEnvShape,
  loadConfig,
  mongoEnvShape,
} from '../src/config';

const shape = {
  ...baseEnvShape({ port: 4000 }),
  ...mongoEnvShape('things'),
  ...jwtEnvShape,
  ...internalTokenShape,
};

describe('loadConfig', () => {
  it('fills development defaults when nothing is set', () => {
    const config = loadConfig(shape, {});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      PORT: 4000,
      MONGODB_URL: 'mongodb://127.0.0.1:27017/things',
      JWT_SECRET: DEV_JWT_SECRET,
      CORS_ORIGINS: ['*'],
    });
  });

  it('treats empty variables as unset and parses lists and numbers', () => {
    const config = loadConfig(shape, {
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

  it('refuses the development JWT secret in production', () => {
    const call = () =>
      loadConfig(shape, { NODE_ENV: 'production', INTERNAL_TOKEN: 'a-real-internal-token-value' });
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(/JWT_SECRET must be set to a random value of at least 32 bytes/);
  });

  it('refuses a short JWT secret and the development internal token in production', () => {
    expect(() => loadConfig(shape, { NODE_ENV: 'production', JWT_SECRET: 'sixteen-chars-ok!' })).toThrow(
      /JWT_SECRET .* 32 bytes in production; INTERNAL_TOKEN must be set/,
    );
  });

  it('accepts a strong production configuration', () => {
    const config = loadConfig(shape, {
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(48),
      INTERNAL_TOKEN: 'y'.repeat(32),
    });
    expect(config.NODE_ENV).toBe('production');
  });

  it('works with service-specific shapes', () => {
    const config = loadConfig({ ...baseEnvShape({ port: 1 }), EXTRA: z.coerce.number().default(7) }, {});
    expect(config.EXTRA).toBe(7);
  });
});
