import { DomainError } from '@ecom/service-kit';
import type { CatalogCache } from '../cache/catalog-cache';
import type { CatalogMetrics } from '../metrics';
import {
  InsufficientStock,
  ProductsUnavailable,
  ReservationNotFound,
  type UnavailableItem,
} from './inventory-errors';
import type { RequestedItem } from './inventory-schemas';
import { type ReservationView, reservationView } from './reservation-view';
import type { GiveBackCaller, ProductSnapshot, StockChange, StockStore } from './stock-store';
import type { StockSweep } from './stock-sweep';

export interface InventoryDeps {
  stock: StockStore;
  sweep: Pick<StockSweep, 'reserved'>;
  cache: Pick<CatalogCache, 'stockChanged'>;
  metrics: CatalogMetrics;
}

export interface InventoryResult {
  reservation: ReservationView;
  /** True when the call changed nothing because an earlier identical call already did it. */
  replayed: boolean;
}

/** Repeated productIds are merged; the result is sorted so two requests compare item by item. */
export function mergeItems(items: RequestedItem[]): RequestedItem[] {
  const quantities = new Map<string, number>();
  for (const { productId, quantity } of items) {
    const id = productId.toLowerCase();
    quantities.set(id, (quantities.get(id) ?? 0) + quantity);
  }
  return [...quantities]
    .map(([productId, quantity]) => ({ productId, quantity }))
    .sort((a, b) => a.productId.localeCompare(b.productId));
}

/** Why these items cannot be reserved from these products (422 before 409). */
export function availabilityProblem(
  items: RequestedItem[],
  byId: Map<string, ProductSnapshot>,
): ProductsUnavailable | InsufficientStock {
  const unavailable = items.flatMap(({ productId }): UnavailableItem[] => {
    const product = byId.get(productId);
    if (!product) return [{ productId, reason: 'not_found' }];
    return product.isActive === false ? [{ productId, reason: 'inactive' }] : [];
  });
  if (unavailable.length > 0) return new ProductsUnavailable(unavailable);
  const short = items.flatMap(({ productId, quantity }) => {
    const available = byId.get(productId)!.stock;
    return available < quantity ? [{ productId, requested: quantity, available }] : [];
  });
  // Every line looks fine again now: units came back between the refused take and this read.
  const reported =
    short.length > 0
      ? short
      : items.map(({ productId, quantity }) => ({
          productId,
          requested: quantity,
          available: byId.get(productId)!.stock,
        }));
  return new InsufficientStock(reported);
}

/** The metric outcome of a refusal: its reason, `busy` for the wait that ran out, else `error`. */
function outcomeOf(error: unknown): string {
  if (!(error instanceof DomainError)) return 'error';
  const reason = (error.details as { reason?: string } | undefined)?.reason;
  return reason ?? (error.refusal === 'unavailable' ? 'busy' : 'error');
}

/**
 * Reservations take stock for an order, all or nothing, and releases put it back exactly once
 * (the StockStore keeps both exact); this layer answers, counts and keeps the cache's live stock.
 */
export interface Inventory {
  reserve(orderId: string, requested: RequestedItem[]): Promise<InventoryResult>;
  /**
   * `cancellation`: the order's signed order.cancelled. `unplaced`: the internal route, which
   * order-service calls for placements that ended without a saved order (see StockStore.giveBack).
   */
  release(orderId: string, caller?: GiveBackCaller): Promise<InventoryResult>;
  /** These orders were saved by order-service (their signed order.created events were read). */
  placed(orderIds: string[]): Promise<void>;
  get(orderId: string): Promise<ReservationView>;
}

export function createInventory({ stock, sweep, cache, metrics }: InventoryDeps): Inventory {
  async function stockChanged(changes: StockChange[], kind: 'take' | 'give-back'): Promise<void> {
    if (changes.length === 0) return;
    const availabilityChanged = changes.filter((change) => change.availabilityChanged).length;
    if (kind === 'take') metrics.stockouts.inc(availabilityChanged);
    await cache.stockChanged(changes, availabilityChanged > 0);
  }

  return {
    async reserve(orderId, requested) {
      const items = mergeItems(requested);
      try {
        const result = await stock.take(orderId, items);
        if (result.kind === 'refused') throw availabilityProblem(items, result.products);
        if (result.kind === 'taken') {
          sweep.reserved(result.reservation);
          await stockChanged(result.changes, 'take');
        }
        metrics.reservations.inc({ outcome: result.kind === 'replayed' ? 'replayed' : 'reserved' });
        return { reservation: reservationView(result.reservation), replayed: result.kind === 'replayed' };
      } catch (error) {
        metrics.reservations.inc({ outcome: outcomeOf(error) });
        throw error;
      }
    },

    async release(orderId, caller = 'cancellation') {
      try {
        const { reservation, outcome, changes } = await stock.giveBack(orderId, caller);
        await stockChanged(changes, 'give-back');
        metrics.releases.inc({ outcome });
        return { reservation: reservationView(reservation), replayed: outcome === 'already_released' };
      } catch (error) {
        metrics.releases.inc({ outcome: outcomeOf(error) });
        throw error;
      }
    },

    async placed(orderIds) {
      if (orderIds.length > 0) await stock.markPlaced(orderIds);
    },

    async get(orderId) {
      const record = await stock.get(orderId);
      if (!record) throw new ReservationNotFound();
      return reservationView(record);
    },
  };
}
