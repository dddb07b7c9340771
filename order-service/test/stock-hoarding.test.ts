import { type RunningServer, startRedis } from '@ecom/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  type Harness,
  startOrderService,
  streamEntries,
  tokenFor,
} from './support/order-service';
import { type ProductStub, startProductStub } from './support/product-stub';

let stub: ProductStub;

beforeAll(async () => {
  stub = await startProductStub();
});

afterAll(async () => {
  await stub?.stop();
});

const order = (harness: Harness, auth: string, productId: string, quantity: number) =>
  harness.http
    .post('/orders')
    .set('Authorization', auth)
    .send({ items: [{ productId, quantity }] });

describe('the cap on units held in pending orders', () => {
  let orders: Harness;
  const admin = tokenFor('admin');

  beforeAll(async () => {
    orders = await startOrderService({
      productServiceUrl: stub.url,
      internalToken: stub.token,
      settings: { maxPendingUnitsPerUser: 5 },
    });
  });

  afterAll(async () => {
    await orders?.close();
  });

  it('when a customer would hold more than the cap, then the order is refused with 409 and no stock is taken', async () => {
    const hoarder = tokenFor();
    const product = stub.addProduct(200);
    await order(orders, hoarder.auth, product, 3).expect(201);

    const refused = await order(orders, hoarder.auth, product, 3);

    expect(refused.status).toBe(409);
    expect(refused.body.details).toMatchObject({ reason: 'pending_units_limit', maxPendingUnits: 5 });
    expect(stub.stockOf(product)).toBe(197);
    // The cap is per customer: someone else still buys.
    await order(orders, tokenFor().auth, product, 3).expect(201);
  });

  it('when a pending order is cancelled or confirmed, then its units count no more', async () => {
    const customer = tokenFor();
    const product = stub.addProduct(200);
    const first = await order(orders, customer.auth, product, 5).expect(201);
    await order(orders, customer.auth, product, 1).expect(409);

    await orders.http
      .put(`/orders/${first.body.id}/status`)
      .set('Authorization', customer.auth)
      .send({ status: 'cancelled' })
      .expect(200);
    const second = await order(orders, customer.auth, product, 5).expect(201);
    await orders.http
      .put(`/orders/${second.body.id}/status`)
      .set('Authorization', admin.auth)
      .send({ status: 'confirmed' })
      .expect(200);

    await order(orders, customer.auth, product, 5).expect(201);
  });

  it('when an order left pending without its units given back (a crash), then the next order settles the tally', async () => {
    const customer = tokenFor();
    const product = stub.addProduct(200);
    const held = await order(orders, customer.auth, product, 5).expect(201);
    // What a crash between the status change and the release leaves behind.
    await orders.orderModel.updateOne({ _id: held.body.id }, { $set: { status: 'confirmed' } });

    await order(orders, customer.auth, product, 5).expect(201);
  });

  it('when a placement fails, then its units are given back', async () => {
    const customer = tokenFor();
    const scarce = stub.addProduct(1);
    await order(orders, customer.auth, scarce, 4).expect(409);

    await order(orders, customer.auth, stub.addProduct(200), 5).expect(201);
  });
});

describe('pending orders that nobody pays', () => {
  let orders: Harness;

  beforeAll(async () => {
    orders = await startOrderService({
      productServiceUrl: stub.url,
      internalToken: stub.token,
      settings: { maxPendingUnitsPerUser: 5, pendingOrderTtlMs: 1_000 },
    });
  });

  afterAll(async () => {
    await orders?.close();
  });

  it('when a pending order outlives its TTL, then it is cancelled as expired, its stock released by event and its units freed', async () => {
    const customer = tokenFor();
    const product = stub.addProduct(10);
    const placed = await order(orders, customer.auth, product, 5).expect(201);

    await eventually(async () => {
      const stored = await orders.orderModel.findById(placed.body.id).lean();
      return stored?.status === 'cancelled';
    });

    const seen = await orders.http.get(`/orders/${placed.body.id}`).set('Authorization', customer.auth);
    expect(seen.body.status).toBe('cancelled');
    expect(seen.body.statusHistory.at(-1)).toMatchObject({
      status: 'cancelled',
      by: 'system',
      reason: 'expired',
    });
    await eventually(async () =>
      (await streamEntries(orders.redis, orders.stream)).some(
        (entry) => entry.orderId === placed.body.id && entry.type === 'order.cancelled',
      ),
    );
    await order(orders, customer.auth, product, 5).expect(201);
  });
});

describe('many fresh accounts placing from one client address', () => {
  let orders: Harness;
  const fromAddress = (address: string, auth: string, productId: string, quantity: number) =>
    orders.http
      .post('/orders')
      .set('Authorization', auth)
      .set('X-Client-Address', address)
      .send({ items: [{ productId, quantity }] });

  beforeAll(async () => {
    orders = await startOrderService({
      productServiceUrl: stub.url,
      internalToken: stub.token,
      settings: { maxPendingUnitsPerUser: 100, maxPendingUnitsPerAddress: 250 },
    });
  });

  afterAll(async () => {
    await orders?.close();
  });

  // The probe: register accounts in a loop, each orders 100 units and never pays.
  it('when eight accounts each order 100 units from one address, then that address holds no more than its cap', async () => {
    const product = stub.addProduct(1_000);
    const statuses: number[] = [];
    const reasons: unknown[] = [];
    for (let account = 0; account < 8; account += 1) {
      const response = await fromAddress('198.51.100.9', tokenFor().auth, product, 100);
      statuses.push(response.status);
      if (response.status === 409) reasons.push(response.body.details?.reason);
    }

    expect(statuses.filter((status) => status === 201)).toHaveLength(2);
    expect(reasons).toEqual(Array(6).fill('address_pending_units_limit'));
    expect(stub.stockOf(product)).toBe(800);
    // Within the cap an order still fits, and another address is not affected.
    await fromAddress('198.51.100.9', tokenFor().auth, product, 50).expect(201);
    await fromAddress('198.51.100.9', tokenFor().auth, product, 1).expect(409);
    await fromAddress('203.0.113.4', tokenFor().auth, product, 100).expect(201);
    expect(stub.stockOf(product)).toBe(650);
  });

  it('when an order from the address is cancelled, or was refused for stock, then its units count no more', async () => {
    const address = '198.51.100.10';
    const customer = tokenFor();
    const product = stub.addProduct(1_000);
    const first = await fromAddress(address, customer.auth, product, 100).expect(201);
    await fromAddress(address, tokenFor().auth, product, 100).expect(201);
    await fromAddress(address, tokenFor().auth, stub.addProduct(1), 50).expect(409);
    await fromAddress(address, tokenFor().auth, product, 51).expect(409);

    await orders.http
      .put(`/orders/${first.body.id}/status`)
      .set('Authorization', customer.auth)
      .send({ status: 'cancelled' })
      .expect(200);

    await fromAddress(address, tokenFor().auth, product, 100).expect(201);
  });
});

describe('the per-address cap while Redis is away', () => {
  let orders: Harness;
  let redis: RunningServer;

  beforeAll(async () => {
    redis = await startRedis();
    orders = await startOrderService({
      productServiceUrl: stub.url,
      internalToken: stub.token,
      redisUrl: redis.url,
      settings: { maxPendingUnitsPerUser: 5, maxPendingUnitsPerAddress: 5 },
    });
    await redis.stop();
  });

  afterAll(async () => {
    await orders?.close();
    await redis?.stop();
  });

  it('when Redis is down, then orders are let through, counted, and the per-customer cap still holds', async () => {
    const customer = tokenFor();
    const product = stub.addProduct(100);
    const place = (quantity: number) =>
      orders.http
        .post('/orders')
        .set('Authorization', customer.auth)
        .set('X-Client-Address', '198.51.100.20')
        .send({ items: [{ productId: product, quantity }] });

    await place(5).expect(201);
    const refused = await place(1).expect(409);
    expect(refused.body.details).toMatchObject({ reason: 'pending_units_limit' });
    const metrics = await orders.http.get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /order_bookkeeping_failures_total\{[^}]*operation="address_limit_claim"[^}]*\} [1-9]/,
    );
  });
});
