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
  batchSize?: number;
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
export class OrderEventsConsumer {
  private running = false;
  private loop?: Promise<void>;
  private lastClaim = 0;
  private failing = false;
  private groupReady = false;
  private ownBacklogDone = false;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;
  private readonly claimEveryMs: number;
  private readonly batchSize: number;

  constructor(
    private readonly redis: Redis,
    private readonly inventory: Inventory,
    private readonly logger: Logger,
    private readonly metrics: CatalogMetrics,
    private readonly options: OrderEventsOptions,
  ) {
    this.blockMs = options.blockMs ?? 5_000;
    this.claimIdleMs = options.claimIdleMs ?? 60_000;
    this.claimEveryMs = options.claimEveryMs ?? 15_000;
    this.batchSize = options.batchSize ?? 20;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops reading; an entry being handled finishes first. Disconnecting ends a blocked read. */
  async stop(): Promise<void> {
    this.running = false;
    this.redis.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (this.redis.status === 'wait') await this.redis.connect();
        await this.ensureGroup();
        if (!this.ownBacklogDone) await this.handleOwnBacklog();
        if (Date.now() - this.lastClaim >= this.claimEveryMs) await this.claimAbandoned();
        await this.handleAll(await this.read('>', this.blockMs));
        this.recovered();
      } catch (error) {
        if (!this.running) break;
        if (String(error).includes('NOGROUP')) this.groupReady = false;
        this.failed(error);
        await sleep(1_000);
      }
    }
  }

  /** Starts at the stream's beginning, so cancellations published before the first start count too. */
  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    try {
      await this.redis.xgroup('CREATE', this.options.stream, this.options.group, '0', 'MKSTREAM');
    } catch (error) {
      if (!String(error).includes('BUSYGROUP')) throw error;
    }
    this.groupReady = true;
  }

  /**
   * Entries delivered to this consumer name before a restart (read, never acknowledged) are not
   * offered again by `>`; reading from id 0 returns them, so they are handled now rather than after
   * the idle time that XAUTOCLAIM waits for.
   */
  private async handleOwnBacklog(): Promise<void> {
    for (;;) {
      const entries = await this.read('0');
      if (entries.length === 0) break;
      await this.handleAll(entries);
      if (!this.running) return;
    }
    this.ownBacklogDone = true;
  }

  /** `>`: entries never delivered to the group; `0`: this consumer's delivered, unacknowledged ones. */
  private async read(from: '>' | '0', blockMs?: number): Promise<StreamEntry[]> {
    const block = blockMs === undefined ? [] : ['BLOCK', blockMs];
    // `call` because ioredis' typed overloads cannot take the optional BLOCK as a spread.
    const reply: unknown = await this.redis.call(
      'XREADGROUP',
      'GROUP',
      this.options.group,
      this.options.consumer,
      'COUNT',
      this.batchSize,
      ...block,
      'STREAMS',
      this.options.stream,
      from,
    );
    if (!Array.isArray(reply)) return [];
    return reply.flatMap((stream) => (Array.isArray(stream) ? entriesOf(stream[1]) : []));
  }

  private async claimAbandoned(): Promise<void> {
    let cursor = '0-0';
    do {
      const reply = await this.redis.xautoclaim(
        this.options.stream,
        this.options.group,
        this.options.consumer,
        this.claimIdleMs,
        cursor,
        'COUNT',
        this.batchSize,
      );
      cursor = typeof reply[0] === 'string' ? reply[0] : '0-0';
      const entries = entriesOf(reply[1]);
      if (entries.length > 0) this.logger.info({ count: entries.length }, 'claimed abandoned order events');
      await this.handleAll(entries);
    } while (cursor !== '0-0' && this.running);
    this.lastClaim = Date.now();
  }

  private async handleAll(entries: StreamEntry[]): Promise<void> {
    // The batch's placed orders in one write, before anything is acknowledged.
    await this.inventory.placed(
      entries.flatMap(([, flat]) => {
        const orderId = this.signedOrderId(fieldsOf(flat), 'order.created');
        return orderId ? [orderId] : [];
      }),
    );
    for (const [id, flat] of entries) {
      if (!this.running) return;
      await this.handle(id, fieldsOf(flat));
    }
  }

  /** In a span that joins the trace of the order request that published the entry. */
  private handle(entryId: string, fields: Record<string, string>): Promise<void> {
    const attributes = {
      'messaging.system': 'redis',
      'messaging.operation.type': 'process',
      'messaging.destination.name': this.options.stream,
      'messaging.message.id': fields.id ?? entryId,
      'messaging.message.conversation_id': fields.orderId ?? '',
      'order.event.type': fields.type ?? 'unknown',
    };
    const name = `process ${this.options.stream}`;
    return inConsumerSpan(name, fields.traceparent, attributes, () => this.handleEntry(entryId, fields));
  }

  /** The order id of a signed, well-formed event of this type. */
  private signedOrderId(fields: Record<string, string>, type: string): string | undefined {
    if (fields.type !== type || !hasValidEventSignature(fields, this.options.signingKey)) return undefined;
    const orderId = orderIdSchema.safeParse(fields.orderId);
    return orderId.success ? orderId.data : undefined;
  }

  private async handleEntry(entryId: string, fields: Record<string, string>): Promise<void> {
    const type = fields.type ?? 'unknown';
    if (type === 'order.created') {
      // Marked by handleAll: its reservation is no longer one the internal route may release.
      const placed = this.signedOrderId(fields, type) !== undefined;
      this.metrics.orderEvents.inc({ type, outcome: placed ? 'placed' : 'ignored' });
    } else if (type === 'order.cancelled') {
      const orderId = orderIdSchema.safeParse(fields.orderId);
      if (!hasValidEventSignature(fields, this.options.signingKey)) {
        // Whoever can write to Redis must not be able to put back the stock of live orders.
        this.logger.warn(
          { entryId, orderId: fields.orderId },
          'order.cancelled event without a valid signature; skipped',
        );
        this.metrics.orderEvents.inc({ type, outcome: 'unsigned' });
      } else if (!orderId.success) {
        this.logger.warn({ entryId, fields }, 'order.cancelled event without a valid orderId; skipped');
        this.metrics.orderEvents.inc({ type, outcome: 'malformed' });
      } else {
        // A failure throws before the XACK: the entry stays pending and is claimed again later.
        await this.inventory.release(orderId.data);
        this.metrics.orderEvents.inc({ type, outcome: 'released' });
      }
    } else {
      this.metrics.orderEvents.inc({
        type: type.startsWith('order.') ? type : 'unknown',
        outcome: 'ignored',
      });
    }
    await this.redis.xack(this.options.stream, this.options.group, entryId);
  }

  private failed(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.error({ err: error }, 'order events consumer failing; retrying every second');
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.info('order events consumer running again');
  }
}
