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

/**
 * Moves events from order documents to the Redis stream. An event leaves the outbox only after
 * XADD succeeded, so a Redis outage delays events but loses none; a crash between the two steps
 * (or two instances relaying at once) publishes it twice: at-least-once, consumers dedupe on `id`.
 */
export function createOutboxRelay(deps: OutboxRelayDeps): BackgroundLoop {
  const { orders, redis, logger } = deps;
  const stream = deps.stream ?? ORDERS_STREAM;

  async function publish(orderId: string, userId: string, event: OutboxEvent) {
    await redis.xadd(
      stream,
      'MAXLEN',
      '~',
      String(deps.maxLen),
      '*',
      ...['id', event.eventId, 'type', event.type, 'orderId', orderId],
      ...['userId', userId, 'occurredAt', event.occurredAt.toISOString(), 'data', event.data],
    );
  }

  /** Under the order's lock: a status change writing the same document must not be overwritten. */
  async function dropPublished(orderId: string, events: OutboxEvent[]) {
    await deps.locks.withLock(
      lockKeys.order(orderId),
      async () => {
        for (const event of events) {
          // Only while it is still first in line, so a repeated pass never drops a newer event.
          await orders.updateOne(
            { _id: orderId, 'outbox.0.eventId': event.eventId },
            { $pop: { outbox: -1 } },
            { timestamps: false },
          );
        }
      },
      { waitMs: LOCK_WAIT_MS },
    );
  }

  async function pass(): Promise<void> {
    // Measured first too, so the gauge keeps growing while Redis is down and publishing fails.
    deps.metrics.outboxBacklog.set(await orders.countDocuments(HAS_PENDING));
    const pending = await orders
      .find(HAS_PENDING, { userId: 1, outbox: 1 })
      .sort({ updatedAt: 1 })
      .limit(BATCH)
      .lean();
    for (const order of pending) {
      const orderId = order._id.toHexString();
      // In order, so consumers see an order's events as they happened.
      for (const event of order.outbox) await publish(orderId, order.userId, event);
      await dropPublished(orderId, order.outbox).catch((error: unknown) => {
        // Busy with a status change: the events go out again next pass (harmless duplicates).
        logger.debug({ err: error, orderId }, 'outbox entries left for the next pass');
      });
    }
    deps.metrics.outboxBacklog.set(await orders.countDocuments(HAS_PENDING));
    if (pending.length === BATCH) relay.kick();
  }

  const relay = new BackgroundLoop('outbox-relay', deps.intervalMs, pass, logger);
  return relay;
}
