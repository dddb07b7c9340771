import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.tmp/**',
      '.data/**',
      'load-tests/reports/**',
      'monitoring/**',
      // Copies of files linted where they live (scripts/helm-files.mjs keeps them identical).
      'deploy/helm/ecommerce/files/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', 'scripts/**', 'load-tests/**'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', module: 'writable' },
    },
    rules: { 'no-console': 'off' },
  },
  {
    // Tests poke at untyped JSON response bodies; `any` there is deliberate.
    files: ['**/test/**/*.ts', 'e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // A service is built by its composition root, through its package's public entry.
    files: ['**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/api-gateway/src/**',
                '**/user-service/src/**',
                '**/product-service/src/**',
                '**/order-service/src/**',
              ],
              message:
                "Import another service through its package's public entry (@ecom/<service>), never its src/.",
            },
          ],
        },
      ],
    },
  },
  prettier,
);
