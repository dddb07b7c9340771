import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { generateSigningJwk } from '@ecom/service-kit';
import { durationToSeconds, loadUserServiceConfig } from '../src/config';

describe('user-service configuration', () => {
  it('turns token lifetimes into seconds', () => {
    expect(durationToSeconds('15m')).toBe(900);
    expect(durationToSeconds('24h')).toBe(86_400);
    expect(durationToSeconds('45')).toBe(45);
  });

  it('computes at most one hash per core by default, and never fewer than one at a time', () => {
    expect(loadUserServiceConfig({ NODE_ENV: 'development' }).BCRYPT_CONCURRENCY).toBe(
      availableParallelism(),
    );
    expect(
      loadUserServiceConfig({ NODE_ENV: 'development', BCRYPT_CONCURRENCY: '3' }).BCRYPT_CONCURRENCY,
    ).toBe(3);
    expect(() => loadUserServiceConfig({ NODE_ENV: 'development', BCRYPT_CONCURRENCY: '0' })).toThrow(
      /BCRYPT_CONCURRENCY/,
    );
  });

  it('refuses a bcrypt cost below 10 in production', () => {
    const production = {
      NODE_ENV: 'production',
      JWT_SIGNING_KEYS: JSON.stringify({ keys: [generateSigningJwk()] }),
      REDIS_PASSWORD: 'r'.repeat(32),
      BCRYPT_ROUNDS: '8',
    };
    expect(() => loadUserServiceConfig(production)).toThrow(/BCRYPT_ROUNDS must be at least 10/);
  });

  it('needs ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
    expect(() => loadUserServiceConfig({ NODE_ENV: 'development', ADMIN_EMAIL: 'a@b.co' })).toThrow(
      /ADMIN_EMAIL and ADMIN_PASSWORD/,
    );
  });
});
