import { ConfigError } from '@ecom/service-kit';
import { describe, expect, it } from 'vitest';
import { loadOrderServiceConfig, settingsFromConfig } from '../src/config';

describe('order-service configuration', () => {
  it('when nothing is set, then the documented defaults apply', () => {
    const config = loadOrderServiceConfig({ NODE_ENV: 'development' });

    expect(config).toMatchObject({
      PORT: 3003,
      MONGODB_URL: 'mongodb://127.0.0.1:27017/orders',
      PRODUCT_SERVICE_URL: ['http://127.0.0.1:3002'],
      PRODUCT_SERVICE_TIMEOUT_MS: 2_500,
      ORDER_CURRENCY: 'USD',
      EVENTS_STREAM_MAXLEN: 100_000,
    });
    expect(settingsFromConfig(config)).toMatchObject({
      productTimeoutMs: 2_500,
      currency: 'USD',
    });
  });

  it('when the product-service timeout is above 3 s, then start-up fails naming the variable', () => {
    expect(() => loadOrderServiceConfig({ PRODUCT_SERVICE_TIMEOUT_MS: '5000' })).toThrow(
      /PRODUCT_SERVICE_TIMEOUT_MS/,
    );
  });

  it('when the currency or product URL is malformed, then start-up fails with a ConfigError naming both', () => {
    const load = () => loadOrderServiceConfig({ ORDER_CURRENCY: 'dollars', PRODUCT_SERVICE_URL: 'ftp://x' });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/ORDER_CURRENCY.*PRODUCT_SERVICE_URL|PRODUCT_SERVICE_URL.*ORDER_CURRENCY/);
  });

  it('when production runs with the development internal token, then start-up is refused', () => {
    const production = { NODE_ENV: 'production', REDIS_PASSWORD: 'r'.repeat(32) };

    expect(() => loadOrderServiceConfig(production)).toThrow(/INTERNAL_TOKEN/);
  });
});
