import type { DocumentLocks, Logger, Redis } from '@ecom/service-kit';
import { BackgroundLoop } from '../background-loop';
import { lockKeys } from '../lock-keys';
import type { OrderMetrics } from '../order-metrics';
import type { OrderModel, OutboxEvent } from '../orders/model';
import { ORDERS_STREAM } from './order-events';

const BATCH = 100;
const LOCK_WAIT_MS = 1_000;

export interface OutboxRelayDeps {
  orders: OrderModel;
  locks: DocumentLocks;
  /** Must have no key prefix: the stream name is shared by every service. */
  redis: Redis;
  maxLen: number;
  metrics: Pick<OrderMetrics, 'outboxBacklog'>;
  logger: Logger;
  intervalMs: number;
  stream?: string;
}

const HAS_PENDING = { 'outbox.eventId': { $exists: true } };

export interface OutboxRelay {
  start(): void;
  stop(): Promise<void>;
  /** Publishes this order's pending events now; without an id, asks for a sweep of all orders. */
  kick(orderId?: string): void;
}

/**
 * Moves events from order documents to the Redis stream. An event leaves the outbox only after
 * XADD succeeded, so a Redis outage delays events but loses none; a crash between the two steps
 * (or two instances relaying at once) publishes it twice: at-least-once, consumers dedupe on `id`.
 *
 * The request that changed an order hands its id over, and that one document is relayed at once
 * (a lookup by `_id`). The periodic sweep only collects what that fast path missed (a crash, Redis
 * down), so under load the database is not scanned once per order.
 */
export function createOutboxRelay(deps: OutboxRelayDeps): OutboxRelay {
  const { orders, redis, logger } = deps;
  const stream = deps.stream ?? ORDERS_STREAM;
  /** One chain per order, so an order's events go out in the order they happened. */
  const inFlight = new Map<string, Promise<void>>();

  async function publish(orderId: string, userId: string, event: OutboxEvent) {
    await redis.xadd(
      stream,
      'MAXLEN',
      '~',
      String(deps.maxLen),
      '*',
      ...['id', event.eventId, 'type', event.type, 'orderId', orderId],
      ...['userId', userId, 'occurredAt', event.occurredAt.toISOString(), 'data', event.data],
      ...(event.traceparent ? ['traceparent', event.traceparent] : []),
    );
  }

  /** Under the order's lock: a status change writing the same document must not be overwritten. */
  async function dropPublished(orderId: string, events: OutboxEvent[]) {
    await deps.locks.withLock(
      lockKeys.order(orderId),
      async () => {
        const order = await orders.findById(orderId, { outbox: 1 }).lean();
        const queued = order?.outbox ?? [];
        for (const [position, event] of events.entries()) {
          // Only while it is still first in line, so a repeated pass never drops a newer event.
          if (queued[position]?.eventId !== event.eventId) break;
          await orders.updateOne(
            deps.locks.lockedFilter(order!._id, { 'outbox.0.eventId': event.eventId }),
            { $pop: { outbox: -1 } },
            { timestamps: false },
          );
        }
      },
      { waitMs: LOCK_WAIT_MS },
    );
  }

  async function relayOrder(order: {
    _id: { toHexString(): string };
    userId: string;
    outbox: OutboxEvent[];
  }) {
    if (order.outbox.length === 0) return;
    const orderId = order._id.toHexString();
    for (const event of order.outbox) await publish(orderId, order.userId, event);
    await dropPublished(orderId, order.outbox).catch((error: unknown) => {
      // Busy with a status change: the events go out again next pass (harmless duplicates).
      logger.debug({ err: error, orderId }, 'outbox entries left for the next pass');
    });
  }

  async function relayOne(orderId: string): Promise<void> {
    const order = await orders.findById(orderId, { userId: 1, outbox: 1 }).lean();
    if (order) await relayOrder(order);
  }

  /**
   * Every relay of an order, from a request or from the sweep, joins that order's chain and reads
   * the document afresh, so two paths never publish the same snapshot twice.
   */
  function relayInTurn(orderId: string): Promise<void> {
    const previous = inFlight.get(orderId) ?? Promise.resolve();
    const next = previous.then(() => relayOne(orderId));
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    inFlight.set(orderId, settled);
    void settled.then(() => {
      if (inFlight.get(orderId) === settled) inFlight.delete(orderId);
    });
    return next;
  }

  function relaySoon(orderId: string): void {
    relayInTurn(orderId).catch((error: unknown) => {
      // The sweep picks it up; nothing is lost.
      logger.warn({ err: error, orderId }, 'publishing order events failed; the sweep will retry');
    });
  }

  async function sweep(): Promise<void> {
    const pending = await orders.find(HAS_PENDING, { _id: 1 }).sort({ updatedAt: 1 }).limit(BATCH).lean();
    const backlog = pending.length < BATCH ? pending.length : await orders.countDocuments(HAS_PENDING);
    deps.metrics.outboxBacklog.set(backlog);
    for (const order of pending) await relayInTurn(order._id.toHexString());
    if (pending.length === BATCH) loop.kick();
  }

  const loop = new BackgroundLoop('outbox-relay', deps.intervalMs, sweep, logger);
  return {
    start: () => loop.start(),
    async stop() {
      await loop.stop();
      await Promise.allSettled([...inFlight.values()]);
    },
    kick(orderId?: string) {
      if (orderId) relaySoon(orderId);
      else loop.kick();
    },
  };
}
