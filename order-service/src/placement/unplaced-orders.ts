import { createBackgroundLoop } from '@ecom/service-kit';
import type { Logger } from '@ecom/service-kit';
import type { HoldStore } from '../holds/hold-store';
import { placementStart } from '../holds/pending-units-limit';
import type { OrderMetrics } from '../metrics';

const MAX_BACKOFF_MS = 30_000;
/** How often the tallies are read for placements that died (the request path handles the rest). */
export const RECOVERY_EVERY_MS = 30_000;

export interface UnplacedOrdersDeps {
  holds: HoldStore;
  /** Which of these orders were saved: a saved order owns its reservation, never released here. */
  statusesOf(orderIds: string[]): Promise<Map<string, string>>;
  inventory: { release(orderId: string): Promise<void> };
  metrics: Pick<OrderMetrics, 'releasesPending' | 'bookkeepingFailures'>;
  logger: Logger;
  intervalMs: number;
  /** Longer than any placement can take: an entry this old without an order is certainly dead. */
  placementGraceMs: number;
  /** host:port of this process (see slotOf). */
  slot?: string;
}

interface Due {
  userId: string;
  attempts: number;
  dueAt: number;
}

/** `host:port`: two live processes cannot listen on one port, so a slot names one process at a time. */
export function slotOf(host: string, port: number): string {
  return `${host}:${port}`;
}

/**
 * Placements that ended without a saved order, whose reservations must go back to product-service.
 * Their hold entries (written before reserving) are the durable record: an entry leaves the tally
 * only after product-service acknowledged the release. Releases the request path asks for are
 * retried here with backoff; entries of placements that died (a crash) are found by reading the
 * tallies — at once for a predecessor in this process's slot, after the grace period otherwise.
 */
export function createUnplacedOrders(deps: UnplacedOrdersDeps) {
  const { logger } = deps;
  const due = new Map<string, Due>();
  let lastRecovery = Number.NEGATIVE_INFINITY;
  let startedAt: number | undefined;

  /** Gives the reservation back and drops the entry; false when product-service did not acknowledge. */
  async function giveBack(userId: string, orderId: string): Promise<boolean> {
    const statuses = await deps.statusesOf([orderId]);
    if (!statuses.has(orderId)) {
      await deps.inventory.release(orderId);
      logger.info({ orderId }, 'released the reservation of an order that was not placed');
    }
    // A saved order keeps its entry while pending: its units are still held.
    if (statuses.get(orderId) !== 'pending') await deps.holds.release(userId, orderId);
    return true;
  }

  async function retryDue(): Promise<void> {
    const now = Date.now();
    for (const [orderId, entry] of due) {
      if (entry.dueAt > now) continue;
      try {
        await giveBack(entry.userId, orderId);
        due.delete(orderId);
      } catch (error) {
        entry.attempts += 1;
        entry.dueAt = now + Math.min(1_000 * 2 ** entry.attempts, MAX_BACKOFF_MS);
        deps.metrics.bookkeepingFailures.inc({ operation: 'inventory_release' });
        logger.warn(
          { err: error, orderId, attempts: entry.attempts },
          'inventory release failed; will retry',
        );
        // product-service is away: the rest would only fail the same way.
        break;
      }
    }
  }

  /** A placement that died: its process is gone (predecessor in this slot) or it is past any deadline. */
  function isDead(orderId: string, slot: string | undefined, now: number): boolean {
    const started = placementStart(orderId);
    if (slot !== undefined && slot === deps.slot && startedAt !== undefined && started < startedAt) {
      return true;
    }
    return now - started > deps.placementGraceMs;
  }

  /** Reads every tally for entries of dead placements with no saved order; answers how many it queued. */
  async function recover(): Promise<number> {
    const now = Date.now();
    let queued = 0;
    for await (const { userId, orders } of deps.holds.holders()) {
      const candidates = orders.filter(
        (entry) => !due.has(entry.orderId) && isDead(entry.orderId, entry.slot, now),
      );
      if (candidates.length === 0) continue;
      const statuses = await deps.statusesOf(candidates.map((entry) => entry.orderId));
      for (const { orderId } of candidates) {
        if (statuses.has(orderId)) continue;
        due.set(orderId, { userId, attempts: 0, dueAt: now });
        queued += 1;
      }
    }
    return queued;
  }

  async function pass(): Promise<void> {
    if (Date.now() - lastRecovery >= RECOVERY_EVERY_MS) {
      lastRecovery = Date.now();
      const queued = await recover();
      if (queued > 0) logger.info({ count: queued }, 'releasing reservations of placements that died');
    }
    await retryDue();
    deps.metrics.releasesPending.set(due.size);
  }

  const loop = createBackgroundLoop({
    name: 'inventory-release',
    intervalMs: deps.intervalMs,
    task: pass,
    logger,
    failures: deps.metrics.bookkeepingFailures,
  });

  return {
    start: () => loop.start(),
    stop: () => loop.stop(),
    kick: () => loop.kick(),
    /** The reservation may exist and no order will: release it now and until acknowledged. */
    releaseLater(userId: string, orderId: string): void {
      due.set(orderId, { userId, attempts: 0, dueAt: Date.now() });
      deps.metrics.releasesPending.set(due.size);
      loop.kick();
    },
    giveBack,
    /** Reads the tallies for dead placements now (instead of at the next recovery) and releases them. */
    async recover(): Promise<number> {
      lastRecovery = Date.now();
      const queued = await recover();
      if (queued > 0) loop.kick();
      return queued;
    },
    /**
     * Once listening (so a predecessor in this slot is certainly gone): its unfinished placements'
     * stock goes back now instead of after the grace period. Never throws; resolves how many.
     */
    async resolvePredecessor(processStartedAt: Date): Promise<number> {
      startedAt = processStartedAt.getTime();
      if (deps.slot === undefined) return 0;
      try {
        lastRecovery = Date.now();
        const count = await recover();
        if (count > 0) {
          logger.info({ count, slot: deps.slot }, 'releasing reservations a crashed predecessor left');
          loop.kick();
        }
        return count;
      } catch (error) {
        deps.metrics.bookkeepingFailures.inc({ operation: 'predecessor_guards' });
        logger.warn(
          { err: error, slot: deps.slot },
          'could not read the tallies for a predecessor; retried later',
        );
        return 0;
      }
    },
  };
}

export type UnplacedOrders = ReturnType<typeof createUnplacedOrders>;
