/**
 * A light closed-loop mixed load (browse, list own orders, place orders with an Idempotency-Key)
 * that records every answer, for the chaos test's accounting: which orders were confirmed (201),
 * which requests failed and when.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';

export type Kind = 'browse' | 'my-orders' | 'place-order';

export interface Outcome {
  kind: Kind;
  startedAt: number;
  endedAt: number;
  /** 0: no HTTP answer at all (connection refused or reset). */
  status: number;
  idempotencyKey?: string;
  orderId?: string;
  /** The error body's details.reason, when there is one. */
  reason?: string;
  /** The Idempotency-Key an outcome_unknown answer says to repeat the request with. */
  answeredKey?: string;
}

export interface LoadOptions {
  baseUrl: string;
  token: string;
  productId: string;
  workers: number;
  /** Think time between a worker's requests. */
  pauseMs: number;
}

// Mostly reads, a third orders: an order touches every service (token, stock, save, event).
const MIX: Kind[] = ['browse', 'browse', 'my-orders', 'place-order', 'browse', 'place-order'];

export class MixedLoad {
  readonly outcomes: Outcome[] = [];
  private running = true;
  private readonly workers: Promise<void>[];
  // Kept-alive connections, as real clients hold them: a drain must hang them up cleanly.
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

  constructor(private readonly options: LoadOptions) {
    this.workers = Array.from({ length: options.workers }, (_, index) => this.work(index));
  }

  private async work(index: number): Promise<void> {
    for (let step = index; this.running; step += 1) {
      this.outcomes.push(await this.send(MIX[step % MIX.length]!));
      await sleep(this.options.pauseMs);
    }
  }

  private async send(kind: Kind): Promise<Outcome> {
    const { baseUrl, token, productId } = this.options;
    const auth = { authorization: `Bearer ${token}` };
    const startedAt = Date.now();
    const idempotencyKey = kind === 'place-order' ? randomUUID() : undefined;
    const target =
      kind === 'browse'
        ? { path: '/api/products?limit=5', method: 'GET' as const, headers: {} }
        : kind === 'my-orders'
          ? { path: '/api/orders?limit=5', method: 'GET' as const, headers: auth }
          : {
              path: '/api/orders',
              method: 'POST' as const,
              headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': idempotencyKey! },
              body: JSON.stringify({ items: [{ productId, quantity: 1 }] }),
            };
    try {
      const response = await request(`${baseUrl}${target.path}`, {
        method: target.method,
        headers: target.headers,
        body: 'body' in target ? target.body : undefined,
        dispatcher: this.agent,
        headersTimeout: 20_000,
        bodyTimeout: 20_000,
      });
      const text = await response.body.text();
      let body: { id?: string; details?: { reason?: string; idempotencyKey?: string } } | undefined;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return {
        kind,
        startedAt,
        endedAt: Date.now(),
        status: response.statusCode,
        idempotencyKey,
        orderId: kind === 'place-order' && response.statusCode === 201 ? body?.id : undefined,
        reason: body?.details?.reason,
        answeredKey: body?.details?.idempotencyKey,
      };
    } catch {
      return { kind, startedAt, endedAt: Date.now(), status: 0, idempotencyKey };
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
    await this.agent.close();
  }
}

/** A request that got no usable answer: a 5xx, or no HTTP answer at all. */
export const failed = (outcome: Outcome) => outcome.status === 0 || outcome.status >= 500;
