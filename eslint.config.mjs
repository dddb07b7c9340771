import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const THROUGH_PUBLIC_ENTRY = {
  group: [
    '**/api-gateway/src/**',
    '**/user-service/src/**',
    '**/product-service/src/**',
    '**/order-service/src/**',
  ],
  message: "Import another service through its package's public entry (@ecom/<service>), never its src/.",
};

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
    rules: { 'no-restricted-imports': ['error', { patterns: [THROUGH_PUBLIC_ENTRY] }] },
  },
  {
    // Below the routes a refusal is a DomainError; the kit's error handler alone knows its status.
    files: ['{user-service,product-service,order-service}/src/**/*.ts'],
    ignores: ['**/*-routes.ts', '**/app.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [THROUGH_PUBLIC_ENTRY],
          paths: [
            {
              name: '@ecom/service-kit',
              importNames: ['HttpError'],
              message: 'Use cases and stores throw DomainError subclasses; HttpError belongs to routes.',
            },
          ],
        },
      ],
    },
  },
  {
    // One component style: factories returning plain objects (CONTRIBUTING.md).
    files: ['{api-gateway,user-service,product-service,order-service,packages/service-kit}/src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ClassDeclaration[superClass=null], ClassExpression[superClass=null]',
          message: 'Components are factories (createX(deps) returning an object); a class only for an error.',
        },
      ],
    },
  },
  prettier,
);
