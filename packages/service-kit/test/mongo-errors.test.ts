import { describe, expect, it } from 'vitest';
import { isDuplicateKey } from '../src/mongo-errors';

describe('isDuplicateKey', () => {
  it('recognises code 11000', () => {
    expect(isDuplicateKey({ code: 11000, message: 'E11000 duplicate key error' })).toBe(true);
  });

  it.each([
    ['another code', { code: 112, message: 'WriteConflict' }],
    ['a plain error', new Error('connection reset')],
    ['undefined', undefined],
    ['null', null],
  ])('refuses %s', (_case, error) => {
    expect(isDuplicateKey(error)).toBe(false);
  });
});
