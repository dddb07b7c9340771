import { describe, expect, it } from 'vitest';
import { startOrderService } from './support/order-service';
import { startProductStub } from './support/product-stub';

describe('the composition root', () => {
  it('when started, then it listens and is ready; when stopped, then its port refuses connections', async () => {
    const stub = await startProductStub();
    try {
      const orders = await startOrderService({ productServiceUrl: stub.url, internalToken: stub.token });
      const ready = await fetch(`${orders.url}/ready`);
      await ready.body?.cancel();
      await orders.close();

      expect(ready.status).toBe(200);
      await expect(fetch(`${orders.url}/ready`)).rejects.toThrow();
    } finally {
      await stub.stop();
    }
  });
});
