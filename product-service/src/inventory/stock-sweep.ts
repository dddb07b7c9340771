import { createBackgroundLoop, type Logger } from '@ecom/service-kit';
import type { CatalogCache } from '../cache/catalog-cache';
import type { CatalogMetrics } from '../metrics';
import type { ReservationFields } from './reservation-fields';
import type { HoldMarker, StockChange, StockStore } from './stock-store';

export interface StockSweepOptions {
  /** How often the markers of completed reservations are removed, in one command per flush. */
  flushMs?: number;
  /** How often (and once at start) the products are searched for markers a crash left behind. */
  recoverMs?: number;
  /**
   * A marker of an order with no reservation this old is presumed left by a call that died: well
   * over a take's deadline (order-service gives a reservation at most 3 s), so a live call is
   * never presumed dead; were one, the tombstone makes it lose its insert and nothing is lost.
   */
  graceMs?: number;
}

export interface StockSweepDeps {
  stock: StockStore;
  cache: Pick<CatalogCache, 'stockChanged'>;
  metrics: Pick<CatalogMetrics, 'abandonedTakes' | 'bookkeepingFailures'>;
  logger: Logger;
}

/**
 * The `holds` bookkeeping that is off the request path: a take leaves its markers on the products
 * (removing them there would cost a command per line), and this removes them in batches once the
 * reservation exists; and it finds the markers of takes that died before their reservation was
 * inserted, and puts their units back, exactly once (see StockStore).
 */
export interface StockSweep {
  /** A take reserved: its markers are bookkeeping now, removed with the next flush. */
  reserved(reservation: ReservationFields): void;
  /** Removes the queued markers: one bulk write, whatever the number of orders. */
  flushMarkers(): Promise<void>;
  /**
   * Settles every marker left on the products: a reservation's own markers are removed; the units
   * of a call that lost (a tombstone, or a reservation by another call) or died before inserting
   * (no reservation after the grace period: a tombstone first) are put back. Returns how many.
   */
  recover(): Promise<number>;
  /** Starts both loops; the function returned stops them and flushes what is queued. */
  start(): () => Promise<void>;
}

export function createStockSweep(deps: StockSweepDeps, options: StockSweepOptions = {}): StockSweep {
  const { stock, logger, metrics } = deps;
  const graceMs = options.graceMs ?? 60_000;
  /** Product id → take calls whose reservation exists and whose markers are still there. */
  let pending = new Map<string, Set<string>>();

  function queue(productId: string, calls: Iterable<string>): void {
    const queued = pending.get(productId) ?? new Set<string>();
    for (const call of calls) queued.add(call);
    pending.set(productId, queued);
  }

  async function flushMarkers(): Promise<void> {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    try {
      await stock.dropReservedMarkers(
        new Map([...batch].map(([productId, calls]) => [productId, [...calls]])),
      );
    } catch (error) {
      // Removing is idempotent: the next flush tries these again.
      for (const [productId, calls] of batch) queue(productId, calls);
      throw error;
    }
  }

  async function recover(): Promise<number> {
    const held = await stock.heldMarkers();
    if (held.length === 0) return 0;
    const states = await stock.reservationStates([...new Set(held.map(({ hold }) => hold.orderId))]);
    const now = Date.now();
    const residue = new Map<string, string[]>();
    const restore: Array<{ productId: string; hold: HoldMarker }> = [];
    const abandoned = new Map<string, Array<{ productId: string; hold: HoldMarker }>>();
    for (const entry of held) {
      const { hold, productId } = entry;
      const state = states.get(hold.orderId);
      const old = now - new Date(hold.at).getTime() >= graceMs;
      if (state && state.takenBy === hold.call) {
        residue.set(productId, [...(residue.get(productId) ?? []), hold.call]);
      } else if (state?.tombstone || (state && old)) {
        restore.push(entry);
      } else if (!state && old) {
        abandoned.set(hold.orderId, [...(abandoned.get(hold.orderId) ?? []), entry]);
      }
    }
    for (const [orderId, entries] of abandoned) {
      // The tombstone first: a take still alive then loses its insert and reserves nothing.
      if (await stock.insertTombstone(orderId)) {
        logger.warn({ orderId }, 'a take died before its reservation: putting its units back');
        restore.push(...entries);
      }
    }
    await stock.dropReservedMarkers(residue);
    const changes = (
      await Promise.all(restore.map(({ productId, hold }) => stock.restoreHold(productId, hold)))
    ).filter((change): change is StockChange => change !== null);
    if (changes.length > 0) {
      metrics.abandonedTakes.inc(changes.length);
      await deps.cache.stockChanged(
        changes,
        changes.some((change) => change.availabilityChanged),
      );
    }
    return changes.length;
  }

  const flushLoop = createBackgroundLoop({
    name: 'holds-flush',
    intervalMs: options.flushMs ?? 1_000,
    task: () => flushMarkers(),
    logger,
    failures: metrics.bookkeepingFailures,
  });
  const recoverLoop = createBackgroundLoop({
    name: 'holds-recovery',
    intervalMs: options.recoverMs ?? 30_000,
    task: async () => void (await recover()),
    logger,
    failures: metrics.bookkeepingFailures,
  });

  return {
    reserved(reservation) {
      const call = reservation.takenBy;
      if (!call) return;
      for (const { productId } of reservation.items) queue(productId, [call]);
    },
    flushMarkers,
    recover,
    start() {
      flushLoop.start();
      recoverLoop.start();
      return async () => {
        await Promise.all([flushLoop.stop(), recoverLoop.stop()]);
        // What is still queued is left to the next recovery should this fail (the clients close next).
        await flushMarkers().catch(() => undefined);
      };
    },
  };
}
