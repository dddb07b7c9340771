import { describe, expect, it } from 'vitest';
import { eventually, forgedAuths, type Harness, tokenFor } from './support/order-service';
import type { ProductStub } from './support/product-stub';
import { useStubbedOrderService } from './support/stacks';

let stub: ProductStub;
let orders: Harness;
useStubbedOrderService((started) => ({ stub, orders } = started));

const countOrders = () => orders.orderModel.countDocuments();

describe('POST /orders', () => {
  it('when stock is available, then the order is saved as pending with server-side prices', async () => {
    const shirt = stub.addProduct(10, 19.99, 'T-shirt');
    const mug = stub.addProduct(5, 0.1, 'Mug');
    const { user, auth } = tokenFor();

    const response = await orders.http
      .post('/orders')
      .set('Authorization', auth)
      .send({
        items: [
          { productId: shirt, quantity: 3 },
          { productId: mug, quantity: 3 },
        ],
      });

    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(response.body).toMatchObject({
      userId: user.id,
      status: 'pending',
      currency: 'USD',
      // 59.97 + 0.30 with no float drift (0.1 * 3 would be 0.30000000000000004).
      totalAmount: 60.27,
      items: [
        { productId: shirt, productName: 'T-shirt', quantity: 3, unitPrice: 19.99, lineTotal: 59.97 },
        { productId: mug, productName: 'Mug', quantity: 3, unitPrice: 0.1, lineTotal: 0.3 },
      ],
      statusHistory: [{ status: 'pending', by: user.id }],
    });
    expect(response.body.id).toMatch(/^[a-f\d]{24}$/);
    expect(Object.keys(response.body).sort()).toEqual(
      [
        'createdAt',
        'currency',
        'id',
        'items',
        'status',
        'statusHistory',
        'totalAmount',
        'updatedAt',
        'userId',
      ].sort(),
    );
    expect(stub.stockOf(shirt)).toBe(7);
    expect(stub.stockOf(mug)).toBe(2);
    expect(stub.calls.reserve).toContain(response.body.id);

    const stored = await orders.orderModel.findById(response.body.id).lean();
    expect(stored).toMatchObject({ userId: user.id, totalCents: 6027, status: 'pending' });
    // The customer's tally holds the order's units under its id, nothing else.
    expect((await orders.service.holdStore.heldOrders(user.id)).map((held) => held.orderId)).toEqual([
      response.body.id,
    ]);

    const fetched = await orders.http.get(`/orders/${response.body.id}`).set('Authorization', auth);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(response.body);
  });

  it('when the same product appears twice, then its lines are merged into one reservation', async () => {
    const product = stub.addProduct(10, 2.5);
    const { auth } = tokenFor();

    const response = await orders.http
      .post('/orders')
      .set('Authorization', auth)
      .send({
        items: [
          { productId: product, quantity: 2 },
          { productId: product, quantity: 3 },
        ],
      });

    expect(response.status).toBe(201);
    expect(response.body.items).toEqual([
      { productId: product, productName: 'Stub product', quantity: 5, unitPrice: 2.5, lineTotal: 12.5 },
    ]);
    expect(response.body.totalAmount).toBe(12.5);
    expect(stub.stockOf(product)).toBe(5);
  });

  it('when a product id is written in uppercase, then it is the same product and its lines are merged', async () => {
    const product = stub.addProduct(10, 2.5);
    const { auth } = tokenFor();

    const response = await orders.http
      .post('/orders')
      .set('Authorization', auth)
      .send({
        items: [
          { productId: product.toUpperCase(), quantity: 2 },
          { productId: product, quantity: 1 },
        ],
      });

    expect(response.status).toBe(201);
    expect(response.body.items).toEqual([
      { productId: product, productName: 'Stub product', quantity: 3, unitPrice: 2.5, lineTotal: 7.5 },
    ]);
    expect(stub.stockOf(product)).toBe(7);
  });

  it('when the stock is too low, then the order is refused with 409 per-item availability and nothing changes', async () => {
    const plenty = stub.addProduct(10);
    const scarce = stub.addProduct(1);
    const { user, auth } = tokenFor();
    const before = await countOrders();

    const response = await orders.http
      .post('/orders')
      .set('Authorization', auth)
      .send({
        items: [
          { productId: plenty, quantity: 2 },
          { productId: scarce, quantity: 4 },
        ],
      });

    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({
      status: 409,
      error: expect.any(String),
      details: [{ productId: scarce, requested: 4, available: 1 }],
    });
    expect(response.body.requestId).toBe(response.headers['x-request-id']);
    expect(stub.stockOf(plenty)).toBe(10);
    expect(stub.stockOf(scarce)).toBe(1);
    expect(await countOrders()).toBe(before);
    expect(await orders.service.holdStore.heldOrders(user.id)).toEqual([]);
  });

  it('when a product is unknown, then the order is refused with 422 naming it and nothing is saved', async () => {
    const known = stub.addProduct(10);
    const unknown = '0123456789abcdef01234567';
    const { auth } = tokenFor();
    const before = await countOrders();

    const response = await orders.http
      .post('/orders')
      .set('Authorization', auth)
      .send({
        items: [
          { productId: known, quantity: 1 },
          { productId: unknown, quantity: 1 },
        ],
      });

    expect(response.status).toBe(422);
    expect(response.body.details).toEqual([{ productId: unknown }]);
    expect(stub.stockOf(known)).toBe(10);
    expect(await countOrders()).toBe(before);
  });

  it.each([
    ['an unknown key', (id: string) => ({ owner: 'someone-else', items: [{ productId: id, quantity: 1 }] })],
    ['no items', () => ({ items: [] })],
    [
      '51 items',
      (id: string) => ({ items: Array.from({ length: 51 }, () => ({ productId: id, quantity: 1 })) }),
    ],
    ['a quantity of 0', (id: string) => ({ items: [{ productId: id, quantity: 0 }] })],
    ['a quantity of 101', (id: string) => ({ items: [{ productId: id, quantity: 101 }] })],
    ['a fractional quantity', (id: string) => ({ items: [{ productId: id, quantity: 1.5 }] })],
    ['a malformed product id', () => ({ items: [{ productId: 'nope', quantity: 1 }] })],
    ['an operator key', (id: string) => ({ items: [{ productId: id, quantity: 1, $where: '1' }] })],
  ])(
    'when the body has %s, then it is refused with 400 before product-service is called',
    async (_case, body) => {
      const product = stub.addProduct(500);
      const { auth } = tokenFor();
      const calls = stub.calls.reserve.length;

      const response = await orders.http.post('/orders').set('Authorization', auth).send(body(product));

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: 400, details: expect.any(Array) });
      expect(stub.calls.reserve.length).toBe(calls);
      expect(stub.stockOf(product)).toBe(500);
    },
  );

  it('when lines of one product add up to more than 100, then 422 (a rule on the whole order) before product-service is called', async () => {
    const product = stub.addProduct(500);
    const { auth } = tokenFor();
    const calls = stub.calls.reserve.length;
    const body = { items: [60, 41].map((quantity) => ({ productId: product, quantity })) };

    const response = await orders.http.post('/orders').set('Authorization', auth).send(body);

    expect(response.status).toBe(422);
    expect(response.body.details).toEqual([{ productId: product, quantity: 101, max: 100 }]);
    expect(stub.calls.reserve.length).toBe(calls);
  });

  it('when the body names the caller as userId (as the original API documents), then the order is placed for the caller', async () => {
    const product = stub.addProduct(10, 4);
    const { user, auth } = tokenFor();

    const response = await orders.http
      .post('/orders')
      .set('Authorization', auth)
      .send({ userId: user.id, items: [{ productId: product, quantity: 2 }] });

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ userId: user.id, status: 'pending', totalAmount: 8 });
    expect(stub.stockOf(product)).toBe(8);
  });

  it.each(['customer', 'admin'] as const)(
    "when a %s names another user's id as userId, then the order is refused with 403 and nothing changes",
    async (role) => {
      const product = stub.addProduct(10, 4);
      const { auth } = tokenFor(role);
      const before = await countOrders();

      const response = await orders.http
        .post('/orders')
        .set('Authorization', auth)
        .send({ userId: tokenFor().user.id, items: [{ productId: product, quantity: 2 }] });

      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ status: 403, error: expect.stringMatching(/userId/) });
      expect(await countOrders()).toBe(before);
      expect(stub.stockOf(product)).toBe(10);
    },
  );

  it("when a token is not signed by user-service's key as issued, then placing and reading orders are refused with 401", async () => {
    for (const [attack, auth] of Object.entries(forgedAuths())) {
      const placed = await orders.http.post('/orders').set('Authorization', auth).send({ items: [] });
      const read = await orders.http.get('/orders').set('Authorization', auth);
      expect([placed.status, read.status], attack).toEqual([401, 401]);
    }
  });

  it('when no token is sent, then the request is refused with 401', async () => {
    const response = await orders.http.post('/orders').send({ items: [] });

    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('when no token is sent, then reading or changing orders (another router than placing) is refused with 401 too', async () => {
    const id = '0123456789abcdef01234567';
    const responses = await Promise.all([
      orders.http.get('/orders'),
      orders.http.get(`/orders/${id}`),
      orders.http.put(`/orders/${id}/status`).send({ status: 'cancelled' }),
    ]);

    expect(responses.map((response) => response.status)).toEqual([401, 401, 401]);
  });

  it('when orders succeed and fail, then the metrics count them, their value and the failure reason', async () => {
    const product = stub.addProduct(1, 12.34);
    const { auth } = tokenFor();
    const order = { items: [{ productId: product, quantity: 1 }] };
    await orders.http.post('/orders').set('Authorization', auth).send(order).expect(201);
    await orders.http.post('/orders').set('Authorization', auth).send(order).expect(409);

    const metrics = await orders.http.get('/metrics');

    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^orders_created_total\{service="order-service"\} [1-9]/m);
    expect(metrics.text).toMatch(/^order_value_total\{currency="USD",service="order-service"\} \d/m);
    expect(metrics.text).toMatch(
      /^orders_failed_total\{reason="insufficient_stock",service="order-service"\} [1-9]\d*$/m,
    );
    expect(metrics.text).toMatch(/^product_client_circuit_state\{service="order-service"\} 0$/m);
  });
});

/** Commands this order-service sent so far, by `command/collection`, from its /metrics. */
async function commandCounts(): Promise<Map<string, number>> {
  const text = (await orders.http.get('/metrics')).text;
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/^mongodb_command_duration_seconds_count\{([^}]*)\} (\d+)$/gm)) {
    const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(match[1]!)?.[1] ?? '';
    const key = `${label('command')}/${label('collection')}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(match[2]));
  }
  return counts;
}

describe('the database commands of a placement', () => {
  it('when a 1-item order is placed, then order-service sends two commands for it and one more once its event is out', async () => {
    const product = stub.addProduct(10);
    const { auth } = tokenFor();
    // A customer's first order creates their tally: measure a later one.
    await orders.http
      .post('/orders')
      .set('Authorization', auth)
      .send({ items: [{ productId: product, quantity: 1 }] });
    await eventually(
      async () => (await orders.orderModel.countDocuments({ 'outbox.0': { $exists: true } })) === 0,
    );
    const before = await commandCounts();

    const placed = await orders.http
      .post('/orders')
      .set('Authorization', auth)
      .set('Idempotency-Key', `commands-${Date.now()}`)
      .send({ items: [{ productId: product, quantity: 1 }] });
    expect(placed.status).toBe(201);
    await eventually(
      async () => (await orders.orderModel.countDocuments({ 'outbox.0': { $exists: true } })) === 0,
    );

    const after = await commandCounts();
    const sent = [...after].flatMap(([key, count]) => {
      const diff = count - (before.get(key) ?? 0);
      // The test's own countDocuments (aggregate) are not the placement's.
      return diff > 0 && !key.startsWith('aggregate/') ? [`${key} ${diff}`] : [];
    });
    // The tally's claim and the order's insert; then, off the request path, the outbox drop.
    expect(sent.sort()).toEqual(['insert/orders 1', 'update/orders 1', 'update/pending_holds 1']);
  });
});
