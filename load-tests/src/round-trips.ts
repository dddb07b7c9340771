/**
 * Database round trips per order: places N one-item orders one after the other through the gateway
 * and diffs product-service's and order-service's `mongodb_command_duration_seconds_count` per
 * command. A count, not a timing, so it means the same on a busy machine.
 *
 *   npm run -w @ecom/load-tests round-trips -- [--base-url http://127.0.0.1:3000] [--orders 40]
 *     [--product-metrics http://127.0.0.1:3002/metrics,http://127.0.0.1:3012/metrics]
 *     [--order-metrics http://127.0.0.1:3003/metrics,http://127.0.0.1:3013/metrics]
 *
 * Each service's counts are summed over the replicas listed (npm start runs two of each, and the
 * gateway spreads the orders over both).
 * Needs the admin account (ADMIN_EMAIL / ADMIN_PASSWORD, the npm start defaults otherwise).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { HttpClient, parseJson } from './http';

type Counts = Record<string, number>;

/** Summed over every replica's /metrics in `urls` (comma-separated). */
async function commandCounts(urls: string): Promise<Counts> {
  const replicas = urls
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  const texts = await Promise.all(replicas.map(async (url) => (await fetch(url)).text()));
  const counts: Counts = {};
  for (const line of texts.join('\n').split('\n')) {
    const match = /^mongodb_command_duration_seconds_count\{([^}]*)\} (\d+)/.exec(line);
    if (!match) continue;
    const command = /command="([^"]+)"/.exec(match[1]!)?.[1] ?? 'other';
    counts[command] = (counts[command] ?? 0) + Number(match[2]);
  }
  return counts;
}

async function call(client: HttpClient, method: string, path: string, json: unknown, token?: string) {
  const result = await client.send(method, path, { json, token });
  const body = parseJson<{ id?: string; accessToken?: string }>(result);
  if (result.status >= 300 || !body) throw new Error(`${method} ${path}: ${result.status}`);
  return body;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'base-url': { type: 'string', default: 'http://127.0.0.1:3000' },
      orders: { type: 'string', default: '40' },
      'product-metrics': {
        type: 'string',
        default: 'http://127.0.0.1:3002/metrics,http://127.0.0.1:3012/metrics',
      },
      'order-metrics': {
        type: 'string',
        default: 'http://127.0.0.1:3003/metrics,http://127.0.0.1:3013/metrics',
      },
    },
  });
  const client = new HttpClient(values['base-url'], { connections: 1, timeoutMs: 30_000 });
  const admin = await call(client, 'POST', '/api/auth/login', {
    email: process.env.ADMIN_EMAIL ?? 'admin@example.com',
    password: process.env.ADMIN_PASSWORD ?? 'admin-dev-password',
  });
  const category = `RoundTrips${Date.now()}`;
  await call(client, 'POST', '/api/categories', { name: category }, admin.accessToken);
  const product = await call(
    client,
    'POST',
    '/api/products',
    { name: 'round trips', price: 1, stock: 1_000_000, category },
    admin.accessToken,
  );
  const buyer = await call(client, 'POST', '/api/auth/register', {
    email: `round-trips-${Date.now()}@loadtest.example.com`,
    password: 'round-trips-password',
    name: 'Round Trips',
  });
  const order = () =>
    call(
      client,
      'POST',
      '/api/orders',
      { items: [{ productId: product.id, quantity: 1 }] },
      buyer.accessToken,
    );
  await order();
  // The first order's background work (outbox relay, the relay's first scan) settles first.
  await sleep(2_000);
  const targets = { 'product-service': values['product-metrics'], 'order-service': values['order-metrics'] };
  const before = await Promise.all(Object.values(targets).map(commandCounts));
  const orders = Number(values.orders);
  for (let i = 0; i < orders; i += 1) await order();
  await sleep(2_000);
  const after = await Promise.all(Object.values(targets).map(commandCounts));
  Object.keys(targets).forEach((service, i) => {
    const perOrder: Counts = {};
    let total = 0;
    for (const [command, count] of Object.entries(after[i]!)) {
      const diff = count - (before[i]![command] ?? 0);
      if (diff > 0) perOrder[command] = Number((diff / orders).toFixed(2));
      total += diff;
    }
    console.log(`${service}: ${(total / orders).toFixed(2)} commands per order ${JSON.stringify(perOrder)}`);
  });
  await client.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
