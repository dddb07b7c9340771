import { afterAll, describe, expect, it } from 'vitest';
import { type Harness, startOrderService, tokenFor } from './support/order-service';
import { type ProductStub, startProductStub } from './support/product-stub';

const opened: Array<{ close(): Promise<void> }> = [];

/** Two product-service replicas (stubs with the same catalog) and an order-service over both. */
async function setUp() {
  const [first, second] = [await startProductStub(), await startProductStub()];
  const orders = await startOrderService({
    productServiceUrl: `${first.url},${second.url}`,
    internalToken: first.token,
  });
  opened.push(
    orders,
    ...[first, second].map((stub) => ({ close: () => stub.stop().catch(() => undefined) })),
  );
  const productId = first.addProduct(100);
  second.addProduct(100, 10, 'Stub product', productId);
  return { first, second, orders, productId };
}

afterAll(async () => {
  for (const resource of opened.reverse()) await resource.close();
});

const placeOrder = (orders: Harness, productId: string) =>
  orders.http
    .post('/orders')
    .set('Authorization', tokenFor().auth)
    .send({ items: [{ productId, quantity: 1 }] });

const reservedBy = (stub: ProductStub) => [...stub.reservations.values()].filter((r) => !r.released).length;

describe('when product-service runs as two replicas', () => {
  it('when both are up, then reservations are spread over them', async () => {
    const { first, second, orders, productId } = await setUp();

    for (let i = 0; i < 4; i++) expect((await placeOrder(orders, productId)).status).toBe(201);

    expect([reservedBy(first), reservedBy(second)]).toEqual([2, 2]);
  });

  it('when one is down, then every order is placed through the other and the breaker stays closed', async () => {
    const { first, second, orders, productId } = await setUp();
    await first.stop();

    for (let i = 0; i < 12; i++) expect((await placeOrder(orders, productId)).status).toBe(201);

    expect(reservedBy(second)).toBe(12);
    expect(orders.service.inventory.circuitOpen).toBe(false);
  });

  it('when one breaks the connection after reading a reservation, then the reservation is sent to the other (same order id) and the order placed', async () => {
    const { first, second, orders, productId } = await setUp();
    first.behaviour.dropReservations = true;

    for (let i = 0; i < 2; i++) expect((await placeOrder(orders, productId)).status).toBe(201);

    expect(reservedBy(second)).toBe(2);
    const dropped = first.calls.reserve;
    expect(dropped.length).toBeGreaterThan(0);
    expect(second.calls.reserve).toEqual(expect.arrayContaining(dropped));
  });
});
