/**
 * The same burst as the oversell test, with production timeouts: product-service (on the test
 * database) cannot decide 200 reservations of one product within 2.5 s, so many callers get 503. What must
 * hold anyway: no oversell, and no stock left reserved for orders that do not exist.
 */
import { uniqueName } from '@ecom/test-support';
import { expect, it } from 'vitest';
import { eventually, type Harness, unplacedHolds, tokenFor } from './support/order-service';
import type { RealProductService } from './support/real-product-service';
import { useRealProductStack } from './support/stacks';

const stream = `events:orders:${uniqueName('overload_')}`;
let products: RealProductService;
let orders: Harness;

useRealProductStack((started) => ({ products, orders } = started), { stream, productTimeoutMs: 2_500 });

it('when a burst outruns product-service, then refusals are 409 or 503 and stock matches the orders saved', async () => {
  const productId = await products.addProduct(50);

  const responses = await Promise.all(
    Array.from({ length: 200 }, () =>
      orders.http
        .post('/orders')
        .set('Authorization', tokenFor().auth)
        .send({ items: [{ productId, quantity: 1 }] }),
    ),
  );

  const statuses = responses.map((response) => response.status);
  expect(statuses.every((status) => [201, 409, 503].includes(status))).toBe(true);
  for (const unavailable of responses.filter((response) => response.status === 503)) {
    expect(unavailable.headers['retry-after']).toMatch(/^\d+$/);
  }
  const created = statuses.filter((status) => status === 201).length;
  // How many get through depends on the machine's load (none, when the circuit opens early).
  expect(created).toBeLessThanOrEqual(50);
  // Reservations that finished after their caller gave up are released in the background.
  await eventually(async () => (await unplacedHolds(orders)) === 0, 60_000);
  await eventually(async () => (await products.stockOf(productId)) === 50 - created, 30_000);
  const saved = await orders.orderModel.find({ 'items.productId': productId }).lean();
  expect(saved).toHaveLength(created);
}, 150_000);
