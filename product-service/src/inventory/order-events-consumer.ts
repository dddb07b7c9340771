import { setTimeout as sleep } from 'node:timers/promises';
import { hasValidEventSignature, inConsumerSpan, type Logger, type Redis } from '@ecom/service-kit';
import type { CatalogMetrics } from '../metrics';
import type { Inventory } from './inventory';
import { orderIdSchema } from './inventory-schemas';

export interface OrderEventsOptions {
  stream: string;
  group: string;
  consumer: string;
  /** The internal token: order-service signs each event with it; unsigned cancellations are ignored. */
  signingKey: string;
  /** How long one XREADGROUP waits for new entries. */
  blockMs?: number;
  /** Entries pending longer than this (a consumer died, or handling failed) are claimed again. */
  claimIdleMs?: number;
  /** How often to look for such entries. */
  claimEveryMs?: number;
  /** Entries per read, at most. */
  batchSize?: number;
  /**
   * After a read that brought some entries but not a full batch, wait this long before the next:
   * on a busy stream the next read then brings many, and one write marks all their orders placed.
   */
  gatherMs?: number;
}

type StreamEntry = [id: string, fields: string[]];

function isEntry(value: unknown): value is StreamEntry {
  return Array.isArray(value) && typeof value[0] === 'string' && Array.isArray(value[1]);
}

/** XREADGROUP answers [[stream, entries]] or null; XAUTOCLAIM answers [cursor, entries, deletedIds]. */
function entriesOf(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  return reply.filter(isEntry);
}

function fieldsOf(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}

/**
 * Reads the order-service's event stream with this service's own consumer group and releases the
 * reservation of every cancelled order. An entry is acknowledged only after it was handled, so a
 * crash or a MongoDB outage leaves it pending; pending entries idle for `claimIdleMs` are claimed
 * again (XAUTOCLAIM) by whichever replica looks next. Releasing is idempotent, so handling an entry
 * twice is harmless. Needs a Redis connection of its own (blocking reads) without a key prefix.
 */
export interface OrderEventsConsumerDeps {
  /** A connection of its own (blocking reads), without the key prefix. */
  redis: Redis;
  inventory: Pick<Inventory, 'placed' | 'release'>;
  logger: Logger;
  metrics: Pick<CatalogMetrics, 'orderEvents'>;
}

export interface OrderEventsConsumer {
  start(): void;
  /** Stops reading; an entry being handled finishes first. Disconnecting ends a blocked read. */
  stop(): Promise<void>;
}

export function createOrderEventsConsumer(
  { redis, inventory, logger, metrics }: OrderEventsConsumerDeps,
  options: OrderEventsOptions,
): OrderEventsConsumer {
  const blockMs = options.blockMs ?? 5_000;
  const claimIdleMs = options.claimIdleMs ?? 60_000;
  const claimEveryMs = options.claimEveryMs ?? 15_000;
  const batchSize = options.batchSize ?? 100;
  const gatherMs = options.gatherMs ?? 50;
  let running = false;
  let loop: Promise<void> | undefined;
  let lastClaim = 0;
  let failing = false;
  let groupReady = false;
  let ownBacklogDone = false;

  async function run(): Promise<void> {
    while (running) {
      try {
        if (redis.status === 'wait') await redis.connect();
        await ensureGroup();
        if (!ownBacklogDone) await handleOwnBacklog();
        if (Date.now() - lastClaim >= claimEveryMs) await claimAbandoned();
        const entries = await read('>', blockMs);
        await handleAll(entries);
        recovered();
        if (entries.length > 0 && entries.length < batchSize && running) await sleep(gatherMs);
      } catch (error) {
        if (!running) break;
        if (String(error).includes('NOGROUP')) groupReady = false;
        failed(error);
        await sleep(1_000);
      }
    }
  }

  /** Starts at the stream's beginning, so cancellations published before the first start count too. */
  async function ensureGroup(): Promise<void> {
    if (groupReady) return;
    try {
      await redis.xgroup('CREATE', options.stream, options.group, '0', 'MKSTREAM');
    } catch (error) {
      if (!String(error).includes('BUSYGROUP')) throw error;
    }
    groupReady = true;
  }

  /**
   * Entries delivered to this consumer name before a restart (read, never acknowledged) are not
   * offered again by `>`; reading from id 0 returns them, so they are handled now rather than after
   * the idle time that XAUTOCLAIM waits for.
   */
  async function handleOwnBacklog(): Promise<void> {
    for (;;) {
      const entries = await read('0');
      if (entries.length === 0) break;
      await handleAll(entries);
      if (!running) return;
    }
    ownBacklogDone = true;
  }

  /** `>`: entries never delivered to the group; `0`: this consumer's delivered, unacknowledged ones. */
  async function read(from: '>' | '0', blockMs?: number): Promise<StreamEntry[]> {
    const block = blockMs === undefined ? [] : ['BLOCK', blockMs];
    // `call` because ioredis' typed overloads cannot take the optional BLOCK as a spread.
    const reply: unknown = await redis.call(
      'XREADGROUP',
      'GROUP',
      options.group,
      options.consumer,
      'COUNT',
      batchSize,
      ...block,
      'STREAMS',
      options.stream,
      from,
    );
    if (!Array.isArray(reply)) return [];
    return reply.flatMap((stream) => (Array.isArray(stream) ? entriesOf(stream[1]) : []));
  }

  async function claimAbandoned(): Promise<void> {
    let cursor = '0-0';
    do {
      const reply = await redis.xautoclaim(
        options.stream,
        options.group,
        options.consumer,
        claimIdleMs,
        cursor,
        'COUNT',
        batchSize,
      );
      cursor = typeof reply[0] === 'string' ? reply[0] : '0-0';
      const entries = entriesOf(reply[1]);
      if (entries.length > 0) logger.info({ count: entries.length }, 'claimed abandoned order events');
      await handleAll(entries);
    } while (cursor !== '0-0' && running);
    lastClaim = Date.now();
  }

  async function handleAll(entries: StreamEntry[]): Promise<void> {
    // The batch's placed orders in one write, before anything is acknowledged.
    await inventory.placed(
      entries.flatMap(([, flat]) => {
        const orderId = signedOrderId(fieldsOf(flat), 'order.created');
        return orderId ? [orderId] : [];
      }),
    );
    const handled: string[] = [];
    try {
      for (const [id, flat] of entries) {
        if (!running) return;
        await handle(id, fieldsOf(flat));
        handled.push(id);
      }
    } finally {
      // One acknowledgement for the batch; an entry whose handling failed stays pending.
      if (handled.length > 0) await redis.xack(options.stream, options.group, ...handled);
    }
  }

  /** In a span that joins the trace of the order request that published the entry. */
  function handle(entryId: string, fields: Record<string, string>): Promise<void> {
    const attributes = {
      'messaging.system': 'redis',
      'messaging.operation.type': 'process',
      'messaging.destination.name': options.stream,
      'messaging.message.id': fields.id ?? entryId,
      'messaging.message.conversation_id': fields.orderId ?? '',
      'order.event.type': fields.type ?? 'unknown',
    };
    const name = `process ${options.stream}`;
    return inConsumerSpan(name, fields.traceparent, attributes, () => handleEntry(entryId, fields));
  }

  /** The order id of a signed, well-formed event of this type. */
  function signedOrderId(fields: Record<string, string>, type: string): string | undefined {
    if (fields.type !== type || !hasValidEventSignature(fields, options.signingKey)) return undefined;
    const orderId = orderIdSchema.safeParse(fields.orderId);
    return orderId.success ? orderId.data : undefined;
  }

  async function handleEntry(entryId: string, fields: Record<string, string>): Promise<void> {
    const type = fields.type ?? 'unknown';
    if (type === 'order.created') {
      // Marked by handleAll: its reservation is no longer one the internal route may release.
      const placed = signedOrderId(fields, type) !== undefined;
      metrics.orderEvents.inc({ type, outcome: placed ? 'placed' : 'ignored' });
    } else if (type === 'order.cancelled') {
      const orderId = orderIdSchema.safeParse(fields.orderId);
      if (!hasValidEventSignature(fields, options.signingKey)) {
        // Whoever can write to Redis must not be able to put back the stock of live orders.
        logger.warn(
          { entryId, orderId: fields.orderId },
          'order.cancelled event without a valid signature; skipped',
        );
        metrics.orderEvents.inc({ type, outcome: 'unsigned' });
      } else if (!orderId.success) {
        logger.warn({ entryId, fields }, 'order.cancelled event without a valid orderId; skipped');
        metrics.orderEvents.inc({ type, outcome: 'malformed' });
      } else {
        // A failure throws before the XACK: the entry stays pending and is claimed again later.
        await inventory.release(orderId.data);
        metrics.orderEvents.inc({ type, outcome: 'released' });
      }
    } else {
      metrics.orderEvents.inc({
        type: type.startsWith('order.') ? type : 'unknown',
        outcome: 'ignored',
      });
    }
  }

  function failed(error: unknown): void {
    if (failing) return;
    failing = true;
    logger.error({ err: error }, 'order events consumer failing; retrying every second');
  }

  function recovered(): void {
    if (!failing) return;
    failing = false;
    logger.info('order events consumer running again');
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },

    /** Stops reading; an entry being handled finishes first. Disconnecting ends a blocked read. */
    async stop() {
      running = false;
      redis.disconnect();
      await loop;
    },
  };
}
