import { defineConfig } from 'vitest/config';
import base from './vitest.config';

/** The schemathesis contract run (scripts/fuzz-api.sh): kept out of the default vitest run. */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['e2e/fuzz/**/*.fuzz.ts'],
    outputFile: { json: '.tmp/fuzz-report.json' },
  },
});
