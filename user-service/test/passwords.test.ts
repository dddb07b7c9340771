import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { clientGoneSignal } from '../src/auth/client-gone';
import { ClientGone, HashingBusy } from '../src/auth/auth-errors';
import { createPasswordHasher } from '../src/auth/passwords';

describe('password hashing queue', () => {
  it('when a queued caller has gone by its turn, then its hash is skipped and the next one runs', async () => {
    const hasher = createPasswordHasher(4, { concurrency: 1 });
    const running = hasher.hash('first password');
    const gone = new AbortController();
    const abandoned = hasher.hash('second password', gone.signal);
    const waiting = hasher.hash('third password', new AbortController().signal);
    await expect.poll(() => hasher.queued).toBe(2);

    gone.abort();
    await expect(abandoned).rejects.toBeInstanceOf(ClientGone);
    await expect(abandoned).rejects.toMatchObject({ refusal: 'client_gone' });
    await expect(running).resolves.toMatch(/^\$2[aby]\$04\$/);
    await expect(waiting).resolves.toMatch(/^\$2[aby]\$04\$/);
    expect(hasher.queued).toBe(0);
  });

  it('when the queue would keep a caller waiting longer than allowed, then it is refused as busy at once', async () => {
    // Cost 6 takes milliseconds; a 1 ms bound lets the first hash run and refuses whoever queues behind it.
    const hasher = createPasswordHasher(6, { concurrency: 1, maxWaitMs: 1 });
    const first = hasher.hash('first password');
    const refused = hasher.hash('second password');

    await expect(refused).rejects.toBeInstanceOf(HashingBusy);
    await expect(refused).rejects.toMatchObject({ refusal: 'unavailable', retryAfterSeconds: 1 });
    expect(hasher.queued).toBe(0);
    await expect(first).resolves.toMatch(/^\$2[aby]\$06\$/);
  });

  it('when the bound is generous, then callers queue and all get their hash', async () => {
    const hasher = createPasswordHasher(4, { concurrency: 1, maxWaitMs: 60_000 });
    const hashes = await Promise.all(Array.from({ length: 5 }, (_, i) => hasher.hash(`password ${i}`)));
    expect(new Set(hashes).size).toBe(5);
  });

  it('when the caller is still there, then verify compares as usual', async () => {
    const hasher = createPasswordHasher(4, { concurrency: 1 });
    const hash = await hasher.hash('a password');
    await expect(hasher.verify('a password', hash, new AbortController().signal)).resolves.toBe(true);
    await expect(hasher.verify('another one', hash)).resolves.toBe(false);
  });
});

describe('clientGoneSignal', () => {
  async function serve(handler: express.RequestHandler) {
    const app = express();
    app.get('/', handler);
    const server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { server, port: (server.address() as AddressInfo).port };
  }

  it('when the client disconnects before the answer, then the signal fires', async () => {
    let signal: AbortSignal | undefined;
    const { server, port } = await serve((_req, res) => {
      signal = clientGoneSignal(res);
    });
    const client = request({ host: '127.0.0.1', port, path: '/' });
    client.on('error', () => undefined);
    client.end();
    await expect.poll(() => signal).toBeDefined();
    client.destroy();
    await expect.poll(() => signal!.aborted).toBe(true);
    server.closeAllConnections();
    server.close();
  });

  it('when the answer is sent, then the signal never fires', async () => {
    let signal: AbortSignal | undefined;
    const { server, port } = await serve((_req, res) => {
      signal = clientGoneSignal(res);
      res.send('done');
    });
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(await response.text()).toBe('done');
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
    expect(signal!.aborted).toBe(false);
  });
});
