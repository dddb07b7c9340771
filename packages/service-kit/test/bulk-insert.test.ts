import { describe, expect, it } from 'vitest';
import { BULK_BATCH_SIZE, inBatches } from '../src/bulk-insert';
import { onlyDuplicates } from '../src/mongo-errors';

describe('inBatches', () => {
  it('when items are more than a batch, then each slice goes in turn and the results keep their order', async () => {
    const items = Array.from({ length: 2 * BULK_BATCH_SIZE + 1 }, (_, n) => n);
    const sizes = await inBatches(items, async (batch) => [batch[0], batch.length]);
    expect(sizes).toEqual([
      [0, BULK_BATCH_SIZE],
      [BULK_BATCH_SIZE, BULK_BATCH_SIZE],
      [2 * BULK_BATCH_SIZE, 1],
    ]);
  });

  it('when there is nothing, then no command is sent', async () => {
    let calls = 0;
    await inBatches([], async () => (calls += 1));
    expect(calls).toBe(0);
  });
});

describe('onlyDuplicates', () => {
  it('tells a batch refused for duplicates alone from one with another error', () => {
    expect(onlyDuplicates({ code: 11000 })).toBe(true);
    expect(onlyDuplicates({ writeErrors: [{ code: 11000 }, { code: 11000 }] })).toBe(true);
    expect(onlyDuplicates({ writeErrors: [{ code: 11000 }, { code: 121 }] })).toBe(false);
    expect(onlyDuplicates(new Error('connection reset'))).toBe(false);
  });
});
