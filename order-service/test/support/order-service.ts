/**
 * Starts the real order-service by its composition root, in-process on a free port, against the
 * test FerretDB and Redis.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createOrderService,
  loadOrderServiceConfig,
  type OrderService,
  type OrderServiceSettings,
} from '@ecom/order-service';
import {
  type AuthUser,
  createAccessTokenVerifier,
  localTokenKeys,
  type Redis,
  staticKeySource,
} from '@ecom/service-kit';
import { forgedTokens, mongoUrlFor, redisUrl, uniqueName } from '@ecom/test-support';
import type { Connection, Model } from 'mongoose';
import { Types } from 'mongoose';
import supertest from 'supertest';
import type { Order } from '../../src/orders/order-types';

const audience = { issuer: 'test-issuer', audience: 'test-api' };
/** What tests sign with; the service under test verifies with its public half only. */
const tokens = localTokenKeys(audience);
const jwt = createAccessTokenVerifier(staticKeySource(tokens.keys.keys), audience);

/** Admin claims in every forged form (see forgedTokens): each must get a 401. */
export function forgedAuths(): Record<string, string> {
  const { kid, key, privateKey } = tokens.keys.signing;
  const claims = {
    sub: new Types.ObjectId().toHexString(),
    email: 'root@example.test',
    role: 'admin' as const,
  };
  const forged = forgedTokens({ kid, publicKey: key, privateKey }, { ...claims, ...audience });
  return Object.fromEntries(Object.entries(forged).map(([attack, token]) => [attack, `Bearer ${token}`]));
}

export function tokenFor(role: AuthUser['role'] = 'customer', id = new Types.ObjectId().toHexString()) {
  const user: AuthUser = { id, email: `${id}@example.test`, role };
  return { user, auth: `Bearer ${tokens.signer.sign(user)}` };
}

export interface HarnessOptions {
  productServiceUrl: string;
  internalToken: string;
  /** Share a database with another harness (e.g. a second instance); default: a fresh one. */
  database?: string;
  /** Default: the Redis the test run started. */
  redisUrl?: string;
  settings?: Partial<OrderServiceSettings>;
  /** Connections in this instance's pool (MONGO_POOL_SIZE); the concurrency tests ask for many. */
  poolSize?: number;
}

export interface Harness {
  /** The running service as its root returns it: its stores, inventory client and unplaced orders. */
  service: OrderService;
  /**
   * The orders collection's model, as the order store registered it on the connection: what a
   * test reads to check what was stored, or writes to arrange a state behind the service's back.
   */
  orderModel: Model<Order>;
  connection: Connection;
  redis: Redis;
  url: string;
  stream: string;
  database: string;
  http: ReturnType<typeof supertest>;
  close(): Promise<void>;
}

export async function startOrderService(options: HarnessOptions): Promise<Harness> {
  const database = options.database ?? uniqueName('orders_');
  const stream = options.settings?.stream ?? `events:orders:${uniqueName('test_')}`;
  const config = loadOrderServiceConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.ORDER_TEST_LOG ?? 'silent',
    PORT: '0',
    MONGODB_URL: mongoUrlFor(database),
    ...(options.poolSize ? { MONGO_POOL_SIZE: String(options.poolSize) } : {}),
    REDIS_URL: options.redisUrl ?? redisUrl(),
    // Bounds a close while a placement still waits on a slowed-down product stub.
    SHUTDOWN_TIMEOUT_MS: '3000',
  });
  const root = await createOrderService(config, {
    settings: {
      jwt,
      // Comma-separated: several product-service replicas.
      productServiceUrls: options.productServiceUrl.split(','),
      internalToken: options.internalToken,
      outboxIntervalMs: 200,
      releaseRetryIntervalMs: 200,
      streamMaxLen: 10_000,
      // Suites that test the cap or the expiry set their own; the rest place many orders per user.
      maxPendingUnitsPerUser: 1_000_000,
      maxPendingUnitsPerAddress: 100_000_000,
      addressLimitKeyPrefix: `${uniqueName('pending_units_')}:`,
      pendingOrderTtlMs: 3_600_000,
      ...options.settings,
      stream,
    },
  });
  await root.start();
  const url = root.url();
  return {
    service: root,
    orderModel: root.connection.model<Order>('Order'),
    connection: root.connection,
    redis: root.redis,
    url,
    stream,
    database,
    http: supertest(url),
    close: root.stop,
  };
}

/** Polls until `check` returns true; generous deadline so a busy CI machine does not flake. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Entries of a Redis stream as plain objects of their fields. */
export async function streamEntries(redis: Redis, stream: string): Promise<Array<Record<string, string>>> {
  const entries = await redis.xrange(stream, '-', '+');
  return entries.map(([, fields]) => {
    const record: Record<string, string> = {};
    for (let index = 0; index < fields.length; index += 2) record[fields[index]!] = fields[index + 1]!;
    return record;
  });
}

/** Entries on the customers' tallies whose order was never saved: reservations still to give back. */
export async function unplacedHolds(harness: Harness): Promise<number> {
  let count = 0;
  for await (const holder of harness.service.holdStore.holders()) {
    for (const { orderId } of holder.orders) {
      if (!(await harness.orderModel.exists({ _id: orderId }))) count += 1;
    }
  }
  return count;
}

/** An order id as a placement that started `secondsAgo` would have made it. */
export const orderIdFrom = (secondsAgo: number) =>
  Types.ObjectId.createFromTime(Math.floor(Date.now() / 1_000) - secondsAgo).toHexString();
