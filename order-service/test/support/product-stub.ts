/**
 * A stand-in for product-service at the HTTP boundary, implementing the reservation contract in
 * memory. It can be slowed down, made to fail, stopped and started again on the same port.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Types } from 'mongoose';

interface StubProduct {
  name: string;
  unitPrice: number;
  stock: number;
}

interface Reservation {
  items: Array<{ productId: string; quantity: number }>;
  released: boolean;
}

export interface StubBehaviour {
  /** Delay before a reservation is decided (the decision itself happens after the delay). */
  reserveDelayMs: number;
  /** Answer reservations with this status instead of handling them. */
  reserveStatus?: number;
  /** Answer releases with this status instead of handling them. */
  releaseStatus?: number;
  /** What GET /ready answers (default 503: only tests of the readiness probe say ready). */
  readyStatus?: number;
  /** Break the connection after reading a reservation, as a replica killed mid-request. */
  dropReservations?: boolean;
}

const TOKEN = 'stub-internal-token-0123456789';

export async function startProductStub() {
  const products = new Map<string, StubProduct>();
  const reservations = new Map<string, Reservation>();
  const calls = { reserve: [] as string[], release: [] as string[] };
  const behaviour: StubBehaviour = { reserveDelayMs: 0 };

  function send(res: http.ServerResponse, status: number, body?: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }

  function reserve(orderId: string, items: Array<{ productId: string; quantity: number }>) {
    const existing = reservations.get(orderId);
    if (existing?.released) return [409, { error: `Reservation for order ${orderId} was released` }] as const;
    const unknown = items.filter((item) => !products.has(item.productId)).map((item) => item.productId);
    if (unknown.length > 0)
      return [422, { error: 'Unknown or inactive products', details: unknown }] as const;
    const view = () =>
      items.map((item) => {
        const product = products.get(item.productId)!;
        return {
          productId: item.productId,
          name: product.name,
          unitPrice: product.unitPrice,
          quantity: item.quantity,
        };
      });
    if (existing) return [200, { orderId, items: view() }] as const;
    const short = items
      .map((item) => ({
        productId: item.productId,
        requested: item.quantity,
        available: products.get(item.productId)!.stock,
      }))
      .filter((line) => line.available < line.requested);
    if (short.length > 0) return [409, { error: 'Insufficient stock', details: short }] as const;
    for (const item of items) products.get(item.productId)!.stock -= item.quantity;
    reservations.set(orderId, { items, released: false });
    return [201, { orderId, items: view() }] as const;
  }

  function release(orderId: string) {
    const reservation = reservations.get(orderId);
    if (!reservation) {
      // Tombstone: a reservation arriving after its release is refused.
      reservations.set(orderId, { items: [], released: true });
      return;
    }
    if (reservation.released) return;
    reservation.released = true;
    for (const item of reservation.items) products.get(item.productId)!.stock += item.quantity;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    if (req.method === 'GET' && req.url === '/ready') return send(res, behaviour.readyStatus ?? 503, {});
    if (req.headers['x-internal-token'] !== TOKEN) return send(res, 401, { error: 'bad token' });
    let text = '';
    for await (const chunk of req) text += chunk;
    const url = req.url ?? '';
    if (req.method === 'POST' && url === '/inventory/reservations') {
      const body = JSON.parse(text) as {
        orderId: string;
        items: Array<{ productId: string; quantity: number }>;
      };
      calls.reserve.push(body.orderId);
      if (behaviour.dropReservations) return void req.socket.destroy();
      await sleep(behaviour.reserveDelayMs);
      if (behaviour.reserveStatus) return send(res, behaviour.reserveStatus, { error: 'stub failure' });
      const [status, answer] = reserve(body.orderId, body.items);
      return send(res, status, answer);
    }
    const match = /^\/inventory\/reservations\/([^/]+)$/.exec(url);
    if (req.method === 'DELETE' && match) {
      const orderId = decodeURIComponent(match[1]!);
      calls.release.push(orderId);
      if (behaviour.releaseStatus) return send(res, behaviour.releaseStatus, { error: 'stub failure' });
      release(orderId);
      return send(res, 204);
    }
    return send(res, 404, { error: 'not found' });
  }

  let server = http.createServer((req, res) => void handle(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    token: TOKEN,
    behaviour,
    calls,
    reservations,
    /** `id`: the same product in a second stub (another replica of the same catalog). */
    addProduct(
      stock: number,
      unitPrice = 10,
      name = 'Stub product',
      id = new Types.ObjectId().toHexString(),
    ): string {
      products.set(id, { name, unitPrice, stock });
      return id;
    },
    stockOf: (productId: string) => products.get(productId)?.stock,
    restock(productId: string, quantity: number) {
      products.get(productId)!.stock += quantity;
    },
    /** What product-service's `order.cancelled` consumer does. */
    release,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    /** Comes back on the same port, like a restarted product-service. */
    async restart() {
      server = http.createServer((req, res) => void handle(req, res));
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
  };
}

export type ProductStub = Awaited<ReturnType<typeof startProductStub>>;
