/**
 * Login latency against a database of a given size (what the email lookup costs as users grow):
 * sequential-ish logins of preloaded users (see preload.ts) through the gateway.
 *
 *   npm run -w @ecom/load-tests login-bench -- --base-url http://127.0.0.1:3000 --users 50000 \
 *     [--requests 200] [--connections 4]
 *
 * Logs in as random users among preload-0 .. preload-(users-1); prints p50/p95 and logins/s.
 */
import { parseArgs } from 'node:util';
import { HttpClient } from './http';
import { PRELOAD_PASSWORD, preloadEmail } from './preload-accounts';
import { summarizeLatencies } from './stats';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'base-url': { type: 'string', default: 'http://127.0.0.1:3000' },
      users: { type: 'string', default: '100' },
      requests: { type: 'string', default: '200' },
      connections: { type: 'string', default: '4' },
    },
  });
  const users = Number(values.users);
  const requests = Number(values.requests);
  const connections = Number(values.connections);
  const client = new HttpClient(values['base-url'], { connections, timeoutMs: 30_000 });
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < requests) {
        next += 1;
        const email = preloadEmail(Math.floor(Math.random() * users));
        const result = await client.send('POST', '/api/auth/login', {
          json: { email, password: PRELOAD_PASSWORD },
        });
        if (result.status === 200) latencies.push(result.latencyMs);
        else failed += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1_000;
  const summary = summarizeLatencies(latencies);
  console.log(
    `login with ${users} users: ${latencies.length} ok, ${failed} failed, ${(latencies.length / seconds).toFixed(1)}/s, ` +
      `p50 ${summary.p50.toFixed(1)} ms, p95 ${summary.p95.toFixed(1)} ms`,
  );
  await client.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
