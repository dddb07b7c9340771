/**
 * The public OpenAPI contract, fuzzed by schemathesis against the real stack on free ports:
 * every operation, every check, a fixed seed, authenticated as the admin. The run is bounded by
 * examples per operation (FUZZ_MAX_EXAMPLES) so it stays within a few minutes on two cores.
 *
 * Run by scripts/fuzz-api.sh (which installs schemathesis into .tmp/schemathesis-venv).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http';
import { ADMIN, buildAll, ROOT, Stack } from '../support/stack';

const SCHEMATHESIS =
  process.env.SCHEMATHESIS_BIN ?? path.join(ROOT, '.tmp', 'schemathesis-venv', 'bin', 'st');
const REPORT_DIR = path.join(ROOT, '.tmp', 'schemathesis');
const MAX_EXAMPLES = process.env.FUZZ_MAX_EXAMPLES ?? '30';
const SEED = process.env.FUZZ_SEED ?? '20261129';

let stack: Stack;
let adminToken: string;

beforeAll(async () => {
  await buildAll();
  // Limits high enough that the fuzzer never meets a 429; one gateway is enough.
  stack = await Stack.start({
    gatewayEnv: { RATE_LIMIT_MAX: '1000000', AUTH_RATE_LIMIT_MAX: '1000000' },
  });
  const gateway = stack.gatewayUrls[0]!;
  const login = await call(gateway, 'POST', '/api/auth/login', { body: ADMIN });
  expect(login.status).toBe(200);
  adminToken = login.body.accessToken as string;
  // Something to read, update and order, so operations on ids meet existing resources too.
  const category = await call(gateway, 'POST', '/api/categories', {
    token: adminToken,
    body: { name: 'Fuzzed things', description: 'made by the contract fuzz run' },
  });
  expect(category.status).toBe(201);
  const product = await call(gateway, 'POST', '/api/products', {
    token: adminToken,
    body: { name: 'Fuzz widget', description: 'x', price: 9.99, stock: 1000, category: 'Fuzzed things' },
  });
  expect(product.status).toBe(201);
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

function runSchemathesis(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    // Run from the report directory: schemathesis keeps its cache (.schemathesis/) in the cwd.
    const child = spawn(SCHEMATHESIS, args, { cwd: REPORT_DIR, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

describe('the public OpenAPI contract', () => {
  it('holds for every operation under schemathesis (all checks, fixed seed)', async () => {
    mkdirSync(REPORT_DIR, { recursive: true });
    const junit = path.join(REPORT_DIR, 'junit.xml');
    const { code, output } = await runSchemathesis([
      '--config-file',
      path.join(ROOT, 'e2e', 'fuzz', 'schemathesis.toml'),
      'run',
      `${stack.gatewayUrls[0]}/api/openapi.json`,
      '--checks',
      'all',
      '--seed',
      SEED,
      '--max-examples',
      MAX_EXAMPLES,
      // One worker: schemathesis' threads trip a CPython 3.11 ast.parse race in hypothesis
      // ("AST constructor recursion depth mismatch"), reported as errors of random operations.
      '--workers',
      '1',
      '--request-timeout',
      '10',
      '--header',
      `Authorization: Bearer ${adminToken}`,
      '--report',
      'junit',
      '--report-junit-path',
      junit,
      '--no-color',
      '--output-truncate',
      'true',
    ]);
    process.stdout.write(output);
    const report = readFileSync(junit, 'utf8');
    const failures = (report.match(/<failure\b/g) ?? []).length + (report.match(/<error\b/g) ?? []).length;
    expect({ code, failures }).toEqual({ code: 0, failures: 0 });
  }, 600_000);
});
