/**
 * Builds a grown database for "growth does not hurt" runs, straight into the database (not
 * through the API, which would take hours): products, their reservations, orders and users, in
 * the shape the services store them. Run it against a stopped or idle stack, then start the stack.
 *
 *   npm run -w @ecom/load-tests preload -- --mongo-url mongodb://127.0.0.1:27017 \
 *     [--products 10000] [--reservations 100000] [--orders 100000] [--users 50000]
 *
 * Users get the password `preload-password-1` and emails `preload-<n>@loadtest.example.com`.
 */
import { parseArgs } from 'node:util';
import bcrypt from 'bcrypt';
import { type Document, MongoClient, ObjectId } from 'mongodb';
import { PRELOAD_PASSWORD, preloadEmail } from './preload-accounts';

const BATCH = 1_000;

async function insertAll(
  client: MongoClient,
  db: string,
  collection: string,
  count: number,
  make: (n: number) => Document,
): Promise<void> {
  const started = Date.now();
  const target = client.db(db).collection(collection);
  for (let from = 0; from < count; from += BATCH) {
    const docs = Array.from({ length: Math.min(BATCH, count - from) }, (_, i) => make(from + i));
    await target.insertMany(docs, { ordered: false });
  }
  const seconds = (Date.now() - started) / 1_000;
  console.log(`${db}.${collection}: ${count} documents in ${seconds.toFixed(1)} s`);
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
  const counts = {
    products: Number(values.products),
    reservations: Number(values.reservations),
    orders: Number(values.orders),
    users: Number(values.users),
  };
  const client = await new MongoClient(values['mongo-url'], { maxPoolSize: 1 }).connect();
  const now = new Date();
  const tag = now.getTime().toString(36);
  try {
    const productIds = Array.from({ length: Math.max(1, counts.products) }, () => new ObjectId());
    await client
      .db('products')
      .collection('categories')
      .updateOne(
        { nameKey: 'preload' },
        {
          $setOnInsert: {
            name: 'Preload',
            nameKey: 'preload',
            description: '',
            createdAt: now,
            updatedAt: now,
          },
        },
        { upsert: true },
      );
    await insertAll(client, 'products', 'products', counts.products, (n) => ({
      _id: productIds[n],
      name: `Preloaded product ${n}`,
      description: '',
      priceCents: 100 + (n % 5_000),
      category: 'Preload',
      categoryKey: 'preload',
      stock: 1_000,
      sku: `PRELOAD-${tag}-${n}`,
      isActive: true,
      createdAt: now,
      updatedAt: now,
    }));
    const line = (n: number) => ({
      productId: productIds[n % productIds.length]!.toHexString(),
      quantity: 1,
    });
    await insertAll(client, 'products', 'reservations', counts.reservations, (n) => ({
      _id: `preload-${tag}-${n}`,
      status: 'reserved',
      items: [{ ...line(n), name: `Preloaded product ${n % productIds.length}`, unitPriceCents: 100 }],
      createdAt: now,
      updatedAt: now,
    }));
    const userIds = Array.from({ length: Math.max(1, counts.users) }, () => new ObjectId());
    const orderIds = Array.from({ length: counts.orders }, () => new ObjectId());
    await insertAll(client, 'orders', 'orders', counts.orders, (n) => ({
      _id: orderIds[n],
      userId: userIds[n % userIds.length]!.toHexString(),
      items: [{ ...line(n), productName: `Preloaded product ${n % productIds.length}`, unitPriceCents: 100 }],
      totalCents: 100,
      currency: 'USD',
      status: 'pending',
      statusHistory: [{ status: 'pending', at: now, by: userIds[n % userIds.length]!.toHexString() }],
      outbox: [],
      createdAt: now,
      updatedAt: now,
    }));
    // One hash for all: bcrypt at cost 10 per user would take minutes and prove nothing.
    const passwordHash = await bcrypt.hash(PRELOAD_PASSWORD, 10);
    await insertAll(client, 'users', 'users', counts.users, (n) => ({
      _id: userIds[n],
      email: preloadEmail(n),
      passwordHash,
      name: `Preloaded user ${n}`,
      role: 'customer',
      createdAt: now,
      updatedAt: now,
    }));
  } finally {
    await client.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
