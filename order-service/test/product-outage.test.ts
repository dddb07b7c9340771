import { afterAll, describe, expect, it } from 'vitest';
import {
  eventually,
  type Harness,
  orderIdFrom,
  unplacedHolds,
  type HarnessOptions,
  startOrderService,
  tokenFor,
} from './support/order-service';
import { type ProductStub, startProductStub } from './support/product-stub';

const opened: Array<{ close(): Promise<void> }> = [];

async function setUp(settings: HarnessOptions['settings'] = {}) {
  const stub = await startProductStub();
  const orders = await startOrderService({
    productServiceUrl: stub.url,
    internalToken: stub.token,
    settings,
  });
  opened.push(orders, { close: () => stub.stop().catch(() => undefined) });
  return { stub, orders };
}

afterAll(async () => {
  for (const resource of opened.reverse()) await resource.close();
});

function placeOrder(orders: Harness, productId: string, quantity = 1, auth = tokenFor().auth) {
  return orders.http
    .post('/orders')
    .set('Authorization', auth)
    .send({ items: [{ productId, quantity }] });
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const result = await work();
  return [result, Date.now() - started];
}

const noRelease = (stub: ProductStub) => stub.calls.release.length;

describe('when product-service is unavailable', () => {
  it('when it is down, then the order is refused quickly with 503 and Retry-After and nothing is saved', async () => {
    const { stub, orders } = await setUp();
    const product = stub.addProduct(5);
    await stub.stop();

    const [response, elapsed] = await timed(() => placeOrder(orders, product));

    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(response.body).toMatchObject({ status: 503, error: expect.stringMatching(/unavailable/i) });
    expect(elapsed).toBeLessThan(3_000);
    expect(await orders.orderModel.countDocuments()).toBe(0);
    // A refused connection never reached product-service: there is nothing to release.
    expect(await unplacedHolds(orders)).toBe(0);
  });

  it('when it is slower than the timeout, then 503 comes within the timeout and the late reservation is released', async () => {
    const { stub, orders } = await setUp({ productTimeoutMs: 300 });
    const product = stub.addProduct(5);
    stub.behaviour.reserveDelayMs = 1_500;

    const [response, elapsed] = await timed(() => placeOrder(orders, product, 2));

    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(elapsed).toBeLessThan(3_000);
    const orderId = stub.calls.reserve.at(-1)!;
    await eventually(() => stub.calls.release.includes(orderId));
    // Let the slow reservation finish: product-service refuses it, since it was released first.
    await eventually(async () => (await unplacedHolds(orders)) === 0);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(stub.stockOf(product)).toBe(5);
    expect(stub.reservations.get(orderId)?.released).toBe(true);
    expect(await orders.orderModel.countDocuments()).toBe(0);
  });

  it('when the timed-out reservation went through and releases fail for a while, then it is retried until acknowledged', async () => {
    const { stub, orders } = await setUp({ productTimeoutMs: 300 });
    const product = stub.addProduct(5);
    stub.behaviour.reserveDelayMs = 600;
    stub.behaviour.releaseStatus = 503;

    const response = await placeOrder(orders, product, 3);
    expect(response.status).toBe(503);
    const orderId = stub.calls.reserve.at(-1)!;
    await eventually(() => stub.stockOf(product) === 2);
    await eventually(() => stub.calls.release.filter((id) => id === orderId).length >= 2);
    // The hold entry is what remembers the release across a restart; the retries are counted.
    expect(await unplacedHolds(orders)).toBe(1);
    const metrics = await orders.http.get('/metrics');
    expect(metrics.text).toMatch(/^inventory_releases_pending\{service="order-service"\} 1$/m);
    expect(metrics.text).toMatch(
      /^order_bookkeeping_failures_total\{operation="inventory_release",service="order-service"\} [1-9]/m,
    );

    stub.behaviour.releaseStatus = undefined;

    await eventually(() => stub.stockOf(product) === 5, 20_000);
    await eventually(async () => (await unplacedHolds(orders)) === 0);
    expect(await orders.orderModel.countDocuments()).toBe(0);
  });

  it('when it keeps failing, then the circuit opens, orders are refused without calling it, and it closes once it recovers', async () => {
    const { stub, orders } = await setUp({ breaker: { volumeThreshold: 3, resetTimeoutMs: 1_500 } });
    const product = stub.addProduct(50);
    stub.behaviour.reserveStatus = 500;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await placeOrder(orders, product)).status).toBe(503);
    }
    expect(orders.service.inventory.circuitOpen).toBe(true);
    const callsWhileOpen = stub.calls.reserve.length;

    const refused = await placeOrder(orders, product);

    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('2');
    expect(stub.calls.reserve.length).toBe(callsWhileOpen);
    const metrics = await orders.http.get('/metrics');
    expect(metrics.text).toMatch(/^product_client_circuit_state\{service="order-service"\} 2$/m);
    expect(metrics.text).toMatch(/^orders_failed_total\{reason="circuit_open",service="order-service"\} 1$/m);

    stub.behaviour.reserveStatus = undefined;
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const accepted = await placeOrder(orders, product);
    expect(accepted.status).toBe(201);
    expect(orders.service.inventory.circuitOpen).toBe(false);
    // Every 500 might have reserved: all were released, so only the accepted order holds stock.
    await eventually(() => stub.stockOf(product) === 49);
  });

  it('when it is ready again, then the open circuit closes within a probe interval, long before its reset time', async () => {
    const { stub, orders } = await setUp({
      breaker: { volumeThreshold: 3, resetTimeoutMs: 60_000, recoveryProbeMs: 100 },
    });
    const product = stub.addProduct(50);
    stub.behaviour.reserveStatus = 500;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await placeOrder(orders, product)).status).toBe(503);
    }
    expect(orders.service.inventory.circuitOpen).toBe(true);

    stub.behaviour.reserveStatus = undefined;
    stub.behaviour.readyStatus = 200;
    const readyAt = Date.now();
    await eventually(() => !orders.service.inventory.circuitOpen, 5_000);

    expect(Date.now() - readyAt).toBeLessThan(1_000);
    expect((await placeOrder(orders, product)).status).toBe(201);
  });

  it('when many orders are refused for stock, then the circuit stays closed', async () => {
    const { stub, orders } = await setUp({ breaker: { volumeThreshold: 3 } });
    const product = stub.addProduct(0);

    const statuses = [];
    for (let attempt = 0; attempt < 6; attempt += 1)
      statuses.push((await placeOrder(orders, product)).status);

    expect(statuses).toEqual([409, 409, 409, 409, 409, 409]);
    expect(orders.service.inventory.circuitOpen).toBe(false);
    expect(noRelease(stub)).toBe(0);
  });
});

describe('when the reservation succeeded but the order is not saved', () => {
  it('when saving the order fails, then the reservation is released and nothing is left behind', async () => {
    const { stub, orders } = await setUp();
    // A real database refusal: this database only accepts one order per user.
    await orders.connection.collection('orders').createIndex({ userId: 1 }, { unique: true }, undefined);
    const product = stub.addProduct(10);
    const { auth } = tokenFor();
    expect((await placeOrder(orders, product, 2, auth)).status).toBe(201);

    const response = await placeOrder(orders, product, 3, auth);

    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ status: 500, error: 'Internal server error' });
    await eventually(() => stub.stockOf(product) === 8);
    await eventually(async () => (await unplacedHolds(orders)) === 0);
    expect(await orders.orderModel.countDocuments()).toBe(1);
  });

  it('when a request died between reserving and saving, then its hold entry comes due and the stock is released', async () => {
    const { stub, orders } = await setUp();
    const product = stub.addProduct(10);
    const kept = stub.addProduct(10);
    const { user, auth } = tokenFor();
    const saved = await placeOrder(orders, kept, 4, auth);
    expect(saved.status).toBe(201);
    // What a crash leaves: stock reserved on product-service, a hold entry past its grace, no order.
    const lost = orderIdFrom(3_600);
    await orders.service.holdStore.claim(user.id, lost, 4, 1_000);
    await orders.service.inventory.reserve(lost, [{ productId: product, quantity: 4 }]);
    expect(stub.stockOf(product)).toBe(6);

    expect(await orders.service.unplaced.recover()).toBe(1);
    await eventually(async () => (await unplacedHolds(orders)) === 0);

    expect(stub.stockOf(product)).toBe(10);
    // The saved order keeps its stock and its units.
    expect(stub.stockOf(kept)).toBe(6);
    expect(stub.calls.release).not.toContain(saved.body.id);
    expect((await orders.service.holdStore.heldOrders(user.id)).map((held) => held.orderId)).toEqual([
      saved.body.id,
    ]);
  });

  it('when a request died only moments ago, then its hold entry is left alone (it may still be placing)', async () => {
    const { stub, orders } = await setUp();
    const { user } = tokenFor();
    const recent = orderIdFrom(1);
    await orders.service.holdStore.claim(user.id, recent, 1, 1_000);

    expect(await orders.service.unplaced.recover()).toBe(0);
    expect(stub.calls.release).not.toContain(recent);
    expect(await unplacedHolds(orders)).toBe(1);
  });

  it('when a backlog of releases is due, then they drain in one pass without waiting for the next tick', async () => {
    // One tick a minute: only the recovery kicking the loop can drain 120 within the test.
    const { stub, orders } = await setUp({ releaseRetryIntervalMs: 60_000 });
    const { user } = tokenFor();
    const backlog = Array.from({ length: 120 }, (_, i) => orderIdFrom(3_600 + i));
    for (const orderId of backlog) await orders.service.holdStore.claim(user.id, orderId, 1, 1_000);

    // The loop's own first pass may have queued some of them already: recover() queues the rest.
    await orders.service.unplaced.recover();

    await eventually(async () => (await unplacedHolds(orders)) === 0);
    expect(new Set(stub.calls.release)).toEqual(new Set(backlog));
  });
});
