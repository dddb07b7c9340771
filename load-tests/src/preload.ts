/**
 * Builds a grown database for "growth does not hurt" runs, straight into the database (not
 * through the API, which would take hours): products, their reservations, orders and users. The
 * documents are made by the services' own import functions, so their layout lives in one place.
 * Run it against a stopped or idle stack, then start the stack.
 *
 *   npm run -w @ecom/load-tests grow -- --mongo-url mongodb://127.0.0.1:27017 \
 *     [--products 10000] [--reservations 100000] [--orders 100000] [--users 50000]
 *
 * Users get the password `preload-password-1` and emails `preload-<n>@loadtest.example.com`.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { importOrders } from '@ecom/order-service';
import { importCatalog, importReservations } from '@ecom/product-service';
import { connectMongo, createLogger } from '@ecom/service-kit';
import { hashPassword, importUsers } from '@ecom/user-service';
import { PRELOAD_PASSWORD, preloadEmail } from './preload-accounts';

const logger = createLogger('preload', 'warn');

interface Counts {
  products: number;
  reservations: number;
  orders: number;
  users: number;
}

/** Runs `work` on a connection to `database` on the server of `mongoUrl`, and says how long it took. */
async function inDatabase(
  mongoUrl: string,
  database: string,
  what: string,
  work: (c: Connection) => Promise<void>,
) {
  const url = new URL(mongoUrl);
  url.pathname = `/${database}`;
  const connection = await connectMongo(url.toString(), { logger, poolSize: 2, attempts: 3 });
  const started = Date.now();
  try {
    await work(connection);
    console.log(`${database}: ${what} in ${((Date.now() - started) / 1_000).toFixed(1)} s`);
  } finally {
    await connection.close();
  }
}

type Connection = Awaited<ReturnType<typeof connectMongo>>;

const range = <T>(count: number, make: (n: number) => T): T[] =>
  Array.from({ length: count }, (_, n) => make(n));

async function preload(mongoUrl: string, counts: Counts): Promise<void> {
  const tag = Date.now().toString(36);
  const productCount = Math.max(1, counts.products);
  const price = (n: number) => 1 + (n % 5_000) / 100;
  let productIds: string[] = [];
  const line = (n: number) => ({ index: n % productCount, productId: productIds[n % productCount]! });

  await inDatabase(
    mongoUrl,
    'products',
    `${productCount} products, ${counts.reservations} reservations`,
    async (c) => {
      ({ productIds } = await importCatalog(c, {
        categories: [{ name: 'Preload' }],
        products: range(productCount, (n) => ({
          name: `Preloaded product ${n}`,
          price: price(n),
          category: 'Preload',
          stock: 1_000,
          sku: `PRELOAD-${tag}-${n}`,
        })),
      }));
      await importReservations(
        c,
        range(counts.reservations, (n) => ({
          // An order id is an ObjectId (24 hex digits), as order-service makes them.
          orderId: randomBytes(12).toString('hex'),
          items: [{ productId: line(n).productId, quantity: 1 }],
        })),
      );
    },
  );

  const users = Math.max(1, counts.users);
  // One hash for all: bcrypt at cost 10 per user would take minutes and prove nothing.
  const passwordHash = await hashPassword(PRELOAD_PASSWORD, 10);
  let userIds: string[] = [];
  await inDatabase(mongoUrl, 'users', `${users} users`, async (c) => {
    ({ userIds } = await importUsers(
      c,
      range(users, (n) => ({ email: preloadEmail(n), name: `Preloaded user ${n}`, passwordHash })),
    ));
  });

  await inDatabase(mongoUrl, 'orders', `${counts.orders} orders`, async (c) => {
    await importOrders(
      c,
      range(counts.orders, (n) => {
        const { index, productId } = line(n);
        return {
          userId: userIds[n % userIds.length]!,
          items: [
            { productId, productName: `Preloaded product ${index}`, unitPrice: price(index), quantity: 1 },
          ],
        };
      }),
    );
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'mongo-url': { type: 'string', default: 'mongodb://127.0.0.1:27017' },
      products: { type: 'string', default: '10000' },
      reservations: { type: 'string', default: '100000' },
      orders: { type: 'string', default: '100000' },
      users: { type: 'string', default: '50000' },
    },
  });
  await preload(values['mongo-url'], {
    products: Number(values.products),
    reservations: Number(values.reservations),
    orders: Number(values.orders),
    users: Number(values.users),
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
