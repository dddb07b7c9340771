import { describe, expect, it } from 'vitest';
import { loadGatewayConfig, parseByteSize } from '../src/config';

describe('gateway configuration', () => {
  it('has local defaults that match the fixed ports of the stack', () => {
    const config = loadGatewayConfig({ NODE_ENV: 'development' });
    expect(config.PORT).toBe(3000);
    expect(config.USER_SERVICE_URL).toEqual(['http://127.0.0.1:3001']);
    expect(config.PRODUCT_SERVICE_URL).toEqual(['http://127.0.0.1:3002']);
    expect(config.ORDER_SERVICE_URL).toEqual(['http://127.0.0.1:3003']);
    expect(config.RATE_LIMIT_WINDOW).toBe(15 * 60 * 1000);
    expect(config.RATE_LIMIT_MAX).toBe(5000);
    expect(config.AUTH_RATE_LIMIT_MAX).toBe(500);
    expect(config.TRUST_PROXY).toEqual([]);
  });

  it('takes every value from the environment', () => {
    const config = loadGatewayConfig({
      NODE_ENV: 'test',
      RATE_LIMIT_WINDOW: '60000',
      RATE_LIMIT_MAX: '10',
      AUTH_RATE_LIMIT_MAX: '3',
      TRUST_PROXY: 'loopback, 10.0.0.0/8, 192.0.2.1',
      PRODUCT_SERVICE_URL: 'http://product-service:3002/',
      CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(config).toMatchObject({
      RATE_LIMIT_WINDOW: 60000,
      RATE_LIMIT_MAX: 10,
      AUTH_RATE_LIMIT_MAX: 3,
      TRUST_PROXY: ['loopback', '10.0.0.0/8', '192.0.2.1'],
      PRODUCT_SERVICE_URL: ['http://product-service:3002'],
      CORS_ORIGINS: ['https://a.example', 'https://b.example'],
    });
  });

  it('when a service URL lists several replicas, then each is kept, in order, without trailing slashes', () => {
    const config = loadGatewayConfig({
      NODE_ENV: 'test',
      USER_SERVICE_URL: 'http://127.0.0.1:3001, http://127.0.0.1:3011/,',
    });
    expect(config.USER_SERVICE_URL).toEqual(['http://127.0.0.1:3001', 'http://127.0.0.1:3011']);
  });

  it('when one URL of a list is not http(s), or the list is empty, then start-up is refused naming the variable', () => {
    expect(() =>
      loadGatewayConfig({ NODE_ENV: 'test', ORDER_SERVICE_URL: 'http://127.0.0.1:3003,ftp://x' }),
    ).toThrow(/ORDER_SERVICE_URL/);
    expect(() => loadGatewayConfig({ NODE_ENV: 'test', ORDER_SERVICE_URL: ' , ' })).toThrow(
      /ORDER_SERVICE_URL/,
    );
  });

  it('names every invalid variable at once', () => {
    expect(() =>
      loadGatewayConfig({ NODE_ENV: 'test', RATE_LIMIT_MAX: 'lots', USER_SERVICE_URL: 'ftp://x' }),
    ).toThrow(/RATE_LIMIT_MAX.*USER_SERVICE_URL|USER_SERVICE_URL.*RATE_LIMIT_MAX/);
  });

  it('when a shared JWT secret is still configured, then start-up is refused: only user-service can sign', () => {
    expect(() => loadGatewayConfig({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40) })).toThrow(
      /JWT_SECRET is no longer read/,
    );
    expect(() => loadGatewayConfig({ NODE_ENV: 'production', REDIS_PASSWORD: 'r'.repeat(32) })).not.toThrow();
  });

  it('when the given public keys are not a JWK Set of Ed25519 public keys, then start-up is refused', () => {
    const privateKey = { kty: 'OKP', crv: 'Ed25519', x: 'a'.repeat(43), d: 'b'.repeat(43), kid: 'k' };
    for (const value of ['{}', 'not json', JSON.stringify({ keys: [privateKey] })]) {
      expect(() => loadGatewayConfig({ NODE_ENV: 'test', JWT_PUBLIC_KEYS: value })).toThrow(
        /JWT_PUBLIC_KEYS/,
      );
    }
  });

  it('when TRUST_PROXY names something that is not an address, a subnet or a known range, then start-up is refused', () => {
    expect(() => loadGatewayConfig({ NODE_ENV: 'test', TRUST_PROXY: 'nginx' })).toThrow(/TRUST_PROXY/);
    expect(() => loadGatewayConfig({ NODE_ENV: 'test', TRUST_PROXY: '10.0.0.0/99' })).toThrow(/TRUST_PROXY/);
  });

  it('when the old hop count TRUST_PROXY_HOPS is set, then start-up is refused with a pointer to TRUST_PROXY', () => {
    expect(() => loadGatewayConfig({ NODE_ENV: 'test', TRUST_PROXY_HOPS: '1' })).toThrow(
      /TRUST_PROXY_HOPS .*TRUST_PROXY/,
    );
  });

  it('reads body limits written like 100kb', () => {
    expect(parseByteSize('100kb')).toBe(102_400);
    expect(parseByteSize('1MB')).toBe(1_048_576);
    expect(parseByteSize('512b')).toBe(512);
  });
});
