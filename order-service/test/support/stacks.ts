/** The set-ups most order-service suites share, started before the file's (or describe's) tests. */
import { afterAll, beforeAll } from 'vitest';
import { type Harness, type HarnessOptions, startOrderService } from './order-service';
import { type ProductStub, startProductStub } from './product-stub';
import { type RealProductService, startRealProductService } from './real-product-service';

/** A product stub and an order-service on it; closed after the tests, the order-service first. */
export function useStubbedOrderService(
  onStarted: (started: { stub: ProductStub; orders: Harness }) => void,
  options: Omit<HarnessOptions, 'productServiceUrl' | 'internalToken'> = {},
): void {
  let stub: ProductStub | undefined;
  let orders: Harness | undefined;
  beforeAll(async () => {
    stub = await startProductStub();
    orders = await startOrderService({ ...options, productServiceUrl: stub.url, internalToken: stub.token });
    onStarted({ stub, orders });
  });
  afterAll(async () => {
    await orders?.close();
    await stub?.stop();
  });
}

/**
 * The real product-service and an order-service publishing to the stream it consumes; closed
 * after the tests, the order-service first.
 */
export function useRealProductStack(
  onStarted: (started: { products: RealProductService; orders: Harness }) => void,
  options: { stream: string; productTimeoutMs: number },
): void {
  let products: RealProductService | undefined;
  let orders: Harness | undefined;
  beforeAll(async () => {
    products = await startRealProductService({ stream: options.stream });
    orders = await startOrderService({
      productServiceUrl: products.url,
      internalToken: products.internalToken,
      settings: { stream: options.stream, productTimeoutMs: options.productTimeoutMs },
    });
    onStarted({ products, orders });
  });
  afterAll(async () => {
    await orders?.close();
    await products?.close();
  });
}
