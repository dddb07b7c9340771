import {
  type Logger,
  type OrderEventEntry,
  orderEventEntryFields,
  ORDERS_STREAM,
  type Redis,
  signEventFields,
  createBackgroundLoop,
} from '@ecom/service-kit';
import { type OrderMetrics, recoveredError } from '../metrics';
import type { OutboxEvent, WrittenOrder } from '../orders/order-types';
import type { OrderStore } from '../orders/order-store';

export interface OutboxRelayDeps {
  orderStore: OrderStore;
  /** Must have no key prefix: the stream name is shared by every service. */
  redis: Redis;
  maxLen: number;
  metrics: Pick<OrderMetrics, 'outboxBacklog' | 'bookkeepingFailures'>;
  logger: Logger;
  intervalMs: number;
  /** The internal token; consumers verify each event's `sig` with it. */
  signingKey: string;
  /** How often to look for events a crash left unpublished (default: what the order store advises). */
  scanEveryMs?: number;
  stream?: string;
}

export interface OutboxRelay {
  start(): void;
  stop(): Promise<void>;
  /**
   * Publishes this order's pending events now; without an id, asks for a sweep of all orders.
   * `written`: the order as the caller just wrote it, which spares the relay reading it back.
   */
  kick(orderId?: string, written?: WrittenOrder): void;
}

/**
 * Moves events from order documents to the Redis stream. An event leaves the outbox only after
 * XADD succeeded, so a Redis outage delays events but loses none; a crash between the two steps
 * (or two instances relaying at once) publishes it twice: at-least-once, consumers dedupe on `id`.
 *
 * The request that changed an order hands its id over, and that one document is relayed at once
 * (a lookup by `_id`). When that fails (Redis down), the id is kept and retried by `_id` every
 * pass. Only what a crash left behind needs the order store's backstop (an indexed query for orders
 * with events in their outbox): that runs on the first pass and then every `scanEveryMs`.
 */
export function createOutboxRelay(deps: OutboxRelayDeps): OutboxRelay {
  const { redis, logger } = deps;
  const ctx = { metrics: deps.metrics, log: logger };
  const stream = deps.stream ?? ORDERS_STREAM;
  /** One chain per order, so an order's events go out in the order they happened. */
  const inFlight = new Map<string, Promise<void>>();
  /** Events published by this process whose removal from their outbox has not landed yet. */
  const awaitingDrop = new Set<string>();
  /** Those removals, awaited on stop. */
  const drops = new Set<Promise<void>>();
  /** Orders whose relay failed in this process: retried by `_id` on every pass. */
  const retry = new Set<string>();
  const scanEveryMs = deps.scanEveryMs ?? deps.orderStore.unpublishedCheckEveryMs;
  let lastScan = Number.NEGATIVE_INFINITY;
  let scanRequested = false;

  async function publish(orderId: string, userId: string, event: OutboxEvent) {
    const entry: OrderEventEntry = {
      id: event.eventId,
      type: event.type,
      orderId,
      userId,
      occurredAt: event.occurredAt.toISOString(),
      data: event.data,
      traceparent: event.traceparent,
    };
    entry.sig = signEventFields(entry, deps.signingKey);
    await redis.xadd(stream, 'MAXLEN', '~', String(deps.maxLen), '*', ...orderEventEntryFields(entry));
  }

  /**
   * Publishes the order's events that have not gone out yet, then leaves their removal from the
   * outbox to the store's next bulk drop without waiting for it: until it lands, their ids are
   * remembered here, so a later relay of the same order (its next change, a retry) skips them.
   */
  async function relayOrder(order: WrittenOrder) {
    if (order.outbox.length === 0) return;
    const orderId = order._id.toHexString();
    for (const event of order.outbox) {
      if (awaitingDrop.has(event.eventId)) continue;
      await publish(orderId, order.userId, event);
      awaitingDrop.add(event.eventId);
    }
    const drop = deps.orderStore.dropPublished(orderId, order.outbox).then(
      () => {
        for (const event of order.outbox) awaitingDrop.delete(event.eventId);
      },
      (error: unknown) => {
        // Still published and still in the outbox: the next pass drops them (nothing goes out twice).
        retry.add(orderId);
        recoveredError(ctx, 'outbox_drop', orderId, 'published outbox entries left for the next pass')(error);
      },
    );
    drops.add(drop);
    void drop.finally(() => drops.delete(drop));
  }

  async function relayOne(orderId: string): Promise<void> {
    const order = await deps.orderStore.unpublishedOf(orderId);
    if (order) await relayOrder(order);
  }

  /**
   * Every relay of an order, from a request or from the sweep, joins that order's chain and reads
   * the document afresh, so two paths never publish the same snapshot twice. The one exception is
   * the order a request has just written, when no relay of it is under way: nothing can have
   * published its events since, so that copy is as fresh as a read (one read less per change).
   */
  function relayInTurn(orderId: string, written?: WrittenOrder): Promise<void> {
    const previous = inFlight.get(orderId);
    const next = previous
      ? previous.then(() => relayOne(orderId))
      : written
        ? relayOrder(written)
        : relayOne(orderId);
    // The chain only orders relays; each caller handles its own failure through `next`.
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

  function relaySoon(orderId: string, written?: WrittenOrder): void {
    relayInTurn(orderId, written).catch((error: unknown) => {
      retry.add(orderId);
      recoveredError(
        ctx,
        'outbox_publish',
        orderId,
        'publishing order events failed; the next pass retries',
      )(error);
    });
  }

  async function retryFailed(): Promise<void> {
    for (const orderId of [...retry]) {
      retry.delete(orderId);
      await relayInTurn(orderId).catch((error: unknown) => {
        retry.add(orderId);
        recoveredError(
          ctx,
          'outbox_publish',
          orderId,
          'publishing order events failed again; the next pass retries',
        )(error);
      });
    }
    deps.metrics.outboxBacklog.set(retry.size);
  }

  async function sweep(): Promise<void> {
    await retryFailed();
    if (!scanRequested && Date.now() - lastScan < scanEveryMs) return;
    scanRequested = false;
    lastScan = Date.now();
    const { backlog, more } = await deps.orderStore.relayUnpublished(relayInTurn);
    deps.metrics.outboxBacklog.set(Math.max(backlog, retry.size));
    if (more) {
      scanRequested = true;
      loop.kick();
    }
  }

  const loop = createBackgroundLoop({
    name: 'outbox-relay',
    intervalMs: deps.intervalMs,
    task: sweep,
    logger,
    failures: deps.metrics.bookkeepingFailures,
  });
  return {
    start: () => loop.start(),
    async stop() {
      await loop.stop();
      await Promise.allSettled([...inFlight.values()]);
      deps.orderStore.flushDrops();
      await Promise.allSettled([...drops]);
    },
    kick(orderId?: string, written?: WrittenOrder) {
      if (orderId) relaySoon(orderId, written);
      else {
        scanRequested = true;
        loop.kick();
      }
    },
  };
}
