import { describe, expect, it } from 'vitest';
import { ensureIndexes } from '../src/mongo';
import { isDuplicateKey, isTransientWriteConflict, retryWriteConflicts } from '../src/mongo-errors';

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

describe('retryWriteConflicts', () => {
  const conflict = Object.assign(new Error('deadlock detected'), { code: 16908292 });

  it('when the server aborts a write for a concurrent one, then the write is sent again and its answer returned', async () => {
    let calls = 0;
    const result = await retryWriteConflicts(async () => {
      calls += 1;
      if (calls === 1) throw conflict;
      return 'written';
    });
    expect(result).toBe('written');
    expect(calls).toBe(2);
  });

  it('when the retry meets the unique index, then its E11000 is what the caller gets', async () => {
    const duplicate = Object.assign(new Error('E11000'), { code: 11000 });
    let calls = 0;
    const write = () => {
      calls += 1;
      return Promise.reject(calls === 1 ? conflict : duplicate);
    };
    await expect(retryWriteConflicts(write)).rejects.toBe(duplicate);
    expect(calls).toBe(2);
  });

  it('when every attempt conflicts, then it gives up after three with the conflict', async () => {
    let calls = 0;
    const write = () => {
      calls += 1;
      return Promise.reject(conflict);
    };
    await expect(retryWriteConflicts(write)).rejects.toBe(conflict);
    expect(calls).toBe(3);
  });

  it('when a write fails otherwise, then it is not sent again', async () => {
    let calls = 0;
    const failure = new Error('connection reset');
    const write = () => {
      calls += 1;
      return Promise.reject(failure);
    };
    await expect(retryWriteConflicts(write)).rejects.toBe(failure);
    expect(calls).toBe(1);
  });

  it.each([
    ['MongoDB WriteConflict', { code: 112 }, true],
    ['deadlock detected', { code: 16908292 }, true],
    ['duplicate key', { code: 11000 }, false],
    ['no code', new Error('x'), false],
  ])('isTransientWriteConflict: %s', (_case, error, expected) => {
    expect(isTransientWriteConflict(error)).toBe(expected);
  });
});

describe('ensureIndexes', () => {
  // What FerretDB over DocumentDB answers when replicas starting together build one collection's indexes.
  const buildRace = Object.assign(new Error('deadlock detected'), { code: 1, codeName: 'InternalError' });

  it('when the server aborts builds for concurrent ones, again and again, then they are retried until built', async () => {
    let calls = 0;
    const model = {
      createIndexes: async () => {
        calls += 1;
        if (calls <= 4) throw buildRace;
      },
    };
    await ensureIndexes([model]);
    expect(calls).toBe(5);
  });

  it('when a build fails for another reason, then that error is thrown at once', async () => {
    const other = Object.assign(new Error('index options conflict'), { code: 85 });
    let calls = 0;
    const model = {
      createIndexes: async () => {
        calls += 1;
        throw other;
      },
    };
    await expect(ensureIndexes([model])).rejects.toBe(other);
    expect(calls).toBe(1);
  });
});
