import path from 'node:path';
import { defineConfig } from 'vitest/config';

const root = __dirname;

export default defineConfig({
  resolve: {
    alias: {
      '@ecom/service-kit': path.resolve(root, 'packages/service-kit/src/index.ts'),
      '@ecom/test-support': path.resolve(root, 'packages/test-support/src/index.ts'),
      // Tests build a service through its package's public entry (the composition root), from source.
      '@ecom/api-gateway': path.resolve(root, 'api-gateway/src/index.ts'),
      '@ecom/user-service': path.resolve(root, 'user-service/src/index.ts'),
      '@ecom/product-service': path.resolve(root, 'product-service/src/index.ts'),
      '@ecom/order-service': path.resolve(root, 'order-service/src/index.ts'),
    },
  },
  test: {
    include: ['**/test/**/*.test.ts'],
    // The chaos test bounds outages in time: scripts/test.sh runs it alone (VITEST_CHAOS=1).
    exclude: [
      '**/node_modules/**',
      '**/dist/**',
      ...(process.env.VITEST_CHAOS === '1' ? [] : ['e2e/test/chaos.test.ts']),
    ],
    // Starts real FerretDB/MongoDB and Redis once (or uses MONGODB_URL / REDIS_URL).
    globalSetup: [path.resolve(root, 'packages/test-support/src/global-setup.ts')],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-report.json' },
  },
});
