/**
 * Runs the README's walkthrough block with bash, as a user would paste it, against the real
 * processes. Only the base URL is pointed at the test stack; everything else is the README's text,
 * so a README that drifts from the API fails here.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http';
import { NPM_START_ADMIN, walkthroughScript } from '../support/readme';
import { buildAll, Stack } from '../support/stack';

const run = promisify(execFile);

let stack: Stack;

beforeAll(async () => {
  await buildAll();
  stack = await Stack.start({ admin: NPM_START_ADMIN });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

describe('the README walkthrough, run verbatim with bash', () => {
  it('logs in as the admin that npm start prints', () => {
    const script = walkthroughScript();
    expect(script).toContain(NPM_START_ADMIN.email);
    expect(script).toContain(NPM_START_ADMIN.password);
  });

  it('registers, browses, creates a product, orders two and cancels, ending with the stock restored', async () => {
    const script = walkthroughScript().replace(/^API=.*$/m, `API=${stack.entry}`);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { timeout: 60_000 });

    const productId = /"productId":"([a-f\d]{24})"/.exec(stdout)?.[1];
    expect(productId, stdout).toBeDefined();
    expect(stdout).toContain('"status":"pending"');
    expect(stdout).toMatch(/\b8\n/);
    expect(stdout).toContain('"status":"cancelled"');

    // The stock comes back through the order.cancelled event; the README waits a second for it.
    let stock: unknown;
    for (let attempt = 0; attempt < 40 && stock !== 10; attempt += 1) {
      stock = (await call(stack.entry, 'GET', `/api/products/${productId}`)).body?.stock;
      if (stock !== 10) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(stock).toBe(10);
  });
});
