/**
 * The exact answer of every refusal below the routes: status, message, details and Retry-After.
 * The use cases name their refusals (DomainError subclasses) and the kit's error handler renders
 * them; these answers are the contract clients code against, so they are pinned byte for byte.
 */
import { Types } from 'mongoose';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Harness, startOrderService, tokenFor } from './support/order-service';
import { type ProductStub, startProductStub } from './support/product-stub';

let stub: ProductStub;
let orders: Harness;

beforeAll(async () => {
  stub = await startProductStub();
  orders = await startOrderService({
    productServiceUrl: stub.url,
    internalToken: stub.token,
    settings: { maxPendingUnitsPerUser: 5, maxPendingUnitsPerAddress: 8, idempotencyWaitMs: 300 },
  });
});

afterAll(async () => {
  await orders?.close();
  await stub?.stop();
});

let addresses = 0;
/** Each placement from an address of its own, unless the test shares one on purpose. */
const newAddress = () => `198.51.100.${(addresses += 1)}`;

function place(
  auth: string,
  items: Array<{ productId: string; quantity: number }>,
  options: { key?: string; address?: string } = {},
) {
  const request = orders.http
    .post('/orders')
    .set('Authorization', auth)
    .set('X-Client-Address', options.address ?? newAddress());
  if (options.key !== undefined) request.set('Idempotency-Key', options.key);
  return request.send({ items });
}

const setStatus = (auth: string, id: string, status: string) =>
  orders.http.put(`/orders/${id}/status`).set('Authorization', auth).send({ status });

function expectRefusal(
  response: Response,
  expected: { status: number; error: string; details?: unknown; retryAfter?: string },
): void {
  expect(response.status).toBe(expected.status);
  expect(response.body).toEqual({
    status: expected.status,
    error: expected.error,
    timestamp: expect.any(String),
    requestId: response.headers['x-request-id'],
    ...(expected.details === undefined ? {} : { details: expected.details }),
  });
  expect(response.headers['retry-after']).toBe(expected.retryAfter);
}

async function placedOrder(auth: string, quantity = 1): Promise<string> {
  const response = await place(auth, [{ productId: stub.addProduct(100), quantity }]);
  expect(response.status).toBe(201);
  return response.body.id as string;
}

describe('the refusals of an order once placed', () => {
  it('when a customer sets a status other than cancelled, then 403 names the status', async () => {
    const customer = tokenFor();
    const id = await placedOrder(customer.auth);

    expectRefusal(await setStatus(customer.auth, id, 'confirmed'), {
      status: 403,
      error: 'Only an admin can set an order to confirmed',
    });
  });

  it('when an admin asks for a transition the lifecycle lacks, then 409 gives the status and what is allowed', async () => {
    const id = await placedOrder(tokenFor().auth);

    expectRefusal(await setStatus(tokenFor('admin').auth, id, 'delivered'), {
      status: 409,
      error: 'Order is pending and cannot become delivered',
      details: { currentStatus: 'pending', allowed: ['confirmed', 'cancelled'] },
    });
  });

  it('when a customer cancels an order no longer pending, then 409 gives its status', async () => {
    const customer = tokenFor();
    const id = await placedOrder(customer.auth);
    await setStatus(tokenFor('admin').auth, id, 'confirmed').expect(200);

    expectRefusal(await setStatus(customer.auth, id, 'cancelled'), {
      status: 409,
      error: 'Order is confirmed; only pending orders can be cancelled by the customer',
      details: { currentStatus: 'confirmed' },
    });
  });

  it('when every attempt loses its race to another change, then 409 asks to retry after a second', async () => {
    const id = await placedOrder(tokenFor().auth);
    // Another writer moves the order right after each read: every guarded write then misses.
    const collection = orders.orderModel.collection;
    const read = collection.findOne.bind(collection);
    const raced = vi.spyOn(collection, 'findOne').mockImplementation((async (
      filter: { _id?: Types.ObjectId },
      ...rest: unknown[]
    ) => {
      const seen = (await (read as (...args: unknown[]) => Promise<unknown>)(filter, ...rest)) as {
        status: string;
      } | null;
      if (seen && filter._id?.equals(id)) {
        const other = seen.status === 'pending' ? 'confirmed' : 'pending';
        await collection.updateOne({ _id: filter._id }, { $set: { status: other } });
      }
      return seen;
    }) as never);

    try {
      expectRefusal(await setStatus(tokenFor('admin').auth, id, 'cancelled'), {
        status: 409,
        error: 'Order was changed by someone else; please retry',
        retryAfter: '1',
      });
    } finally {
      raced.mockRestore();
    }
  });

  it("when the order is missing or someone else's, then 404 says it is not found", async () => {
    const id = await placedOrder(tokenFor().auth);

    expectRefusal(await orders.http.get(`/orders/${id}`).set('Authorization', tokenFor().auth), {
      status: 404,
      error: 'Order not found',
    });
    expectRefusal(
      await orders.http
        .get(`/orders/${new Types.ObjectId().toHexString()}`)
        .set('Authorization', tokenFor('admin').auth),
      { status: 404, error: 'Order not found' },
    );
  });

  it("when a customer lists another user's orders, then 403", async () => {
    const response = await orders.http
      .get('/orders')
      .query({ userId: new Types.ObjectId().toHexString() })
      .set('Authorization', tokenFor().auth);

    expectRefusal(response, { status: 403, error: "Only admins can list other users' orders" });
  });
});

describe('the refusals of a placement', () => {
  it('when an Idempotency-Key comes back with another body, then 422 without details', async () => {
    const { auth } = tokenFor();
    const product = stub.addProduct(100);
    await place(auth, [{ productId: product, quantity: 1 }], { key: 'refusals-reused' }).expect(201);

    expectRefusal(await place(auth, [{ productId: product, quantity: 2 }], { key: 'refusals-reused' }), {
      status: 422,
      error: 'Idempotency-Key was already used with a different request body',
    });
  });

  it('when the first request with a key is still being placed, then 409 asks to retry after a second', async () => {
    const { auth } = tokenFor();
    const items = [{ productId: stub.addProduct(100), quantity: 1 }];
    stub.behaviour.reserveDelayMs = 1_500;
    try {
      const first = place(auth, items, { key: 'refusals-in-flight' }).then((response) => response);
      await new Promise((resolve) => setTimeout(resolve, 200));

      expectRefusal(await place(auth, items, { key: 'refusals-in-flight' }), {
        status: 409,
        error: 'A request with this Idempotency-Key is still being processed',
        retryAfter: '1',
      });
      expect((await first).status).toBe(201);
    } finally {
      stub.behaviour.reserveDelayMs = 0;
    }
  });

  it("when stock is short, then 409 passes product-service's message and details through", async () => {
    const scarce = stub.addProduct(1);

    expectRefusal(await place(tokenFor().auth, [{ productId: scarce, quantity: 2 }]), {
      status: 409,
      error: 'Insufficient stock',
      details: [{ productId: scarce, requested: 2, available: 1 }],
    });
  });

  it("when a product is unknown, then 422 passes product-service's message and details through", async () => {
    const unknown = new Types.ObjectId().toHexString();

    expectRefusal(await place(tokenFor().auth, [{ productId: unknown, quantity: 1 }]), {
      status: 422,
      error: 'Unknown or inactive products',
      details: [{ productId: unknown }],
    });
  });

  it('when product-service fails, then 503 asks to retry when the circuit lets calls through', async () => {
    stub.behaviour.reserveStatus = 500;
    try {
      expectRefusal(await place(tokenFor().auth, [{ productId: stub.addProduct(5), quantity: 1 }]), {
        status: 503,
        error: 'Product service is unavailable; please retry shortly',
        retryAfter: '5',
      });
    } finally {
      stub.behaviour.reserveStatus = undefined;
    }
  });

  it('when a customer would hold more pending units than the cap, then 409 gives the cap and the request', async () => {
    const { auth } = tokenFor();
    await placedOrder(auth, 3);

    expectRefusal(await place(auth, [{ productId: stub.addProduct(100), quantity: 3 }]), {
      status: 409,
      error:
        'Orders awaiting payment may hold at most 5 units per customer; confirm or cancel a pending order first',
      details: { reason: 'pending_units_limit', maxPendingUnits: 5, requestedUnits: 3 },
    });
  });

  it("when one address's customers would hold more pending units than its cap, then 409 gives the cap and the request", async () => {
    const address = newAddress();
    const product = stub.addProduct(100);
    await place(tokenFor().auth, [{ productId: product, quantity: 4 }], { address }).expect(201);

    expectRefusal(await place(tokenFor().auth, [{ productId: product, quantity: 5 }], { address }), {
      status: 409,
      error:
        'Orders awaiting payment from one client address may hold at most 8 units; confirm or cancel a pending order first',
      details: { reason: 'address_pending_units_limit', maxPendingUnits: 8, requestedUnits: 5 },
    });
  });
});
