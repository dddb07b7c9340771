import { startAndStop } from '@ecom/test-support';
import { describe, expect, it } from 'vitest';
import { startProductService } from './support/product-service';

describe('the composition root', () => {
  it('when started, then it listens and is ready; when stopped, then its port refuses connections', async () => {
    const service = await startProductService();
    try {
      expect(await startAndStop(service)).toEqual({ readyStatus: 200, refusedAfterStop: true });
    } finally {
      await service.close();
    }
  });
});
