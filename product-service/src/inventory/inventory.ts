import { HttpError } from '@ecom/service-kit';
import type { CatalogCache } from '../cache/catalog-cache';
import type { CatalogMetrics } from '../metrics';
import type { RequestedItem } from './inventory-schemas';
import { type ReservationView, reservationView } from './reservation-view';
import type { GiveBackCaller, ProductSnapshot, StockChange, StockStore } from './stock-store';
import type { StockSweep } from './stock-sweep';

export interface InventoryDeps {
  stock: StockStore;
  sweep: Pick<StockSweep, 'reserved'>;
  cache: CatalogCache;
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
export function availabilityProblem(items: RequestedItem[], byId: Map<string, ProductSnapshot>): HttpError {
  const unavailable = items.flatMap(({ productId }) => {
    const product = byId.get(productId);
    if (!product) return [{ productId, reason: 'not_found' }];
    return product.isActive === false ? [{ productId, reason: 'inactive' }] : [];
  });
  if (unavailable.length > 0) {
    return HttpError.unprocessable('Some products cannot be ordered', {
      reason: 'unavailable',
      items: unavailable,
    });
  }
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
  return HttpError.conflict('Insufficient stock', { reason: 'insufficient_stock', items: reported });
}

function outcomeOf(error: unknown): string {
  if (!(error instanceof HttpError)) return 'error';
  const reason = (error.details as { reason?: string } | undefined)?.reason;
  return reason ?? (error.status === 503 ? 'busy' : 'error');
}

/**
 * Reservations take stock for an order, all or nothing, and releases put it back exactly once
 * (the StockStore keeps both exact); this layer answers, counts and keeps the cache's live stock.
 */
export class Inventory {
  constructor(private readonly deps: InventoryDeps) {}

  async reserve(orderId: string, requested: RequestedItem[]): Promise<InventoryResult> {
    const items = mergeItems(requested);
    try {
      const result = await this.deps.stock.take(orderId, items);
      if (result.kind === 'refused') throw availabilityProblem(items, result.products);
      if (result.kind === 'taken') {
        this.deps.sweep.reserved(result.reservation);
        await this.stockChanged(result.changes, 'take');
      }
      this.deps.metrics.reservations.inc({ outcome: result.kind === 'replayed' ? 'replayed' : 'reserved' });
      return { reservation: reservationView(result.reservation), replayed: result.kind === 'replayed' };
    } catch (error) {
      this.deps.metrics.reservations.inc({ outcome: outcomeOf(error) });
      throw error;
    }
  }

  /**
   * `cancellation`: the order's signed order.cancelled. `unplaced`: the internal route, which
   * order-service calls for placements that ended without a saved order (see StockStore.giveBack).
   */
  async release(orderId: string, caller: GiveBackCaller = 'cancellation'): Promise<InventoryResult> {
    try {
      const { reservation, outcome, changes } = await this.deps.stock.giveBack(orderId, caller);
      await this.stockChanged(changes, 'give-back');
      this.deps.metrics.releases.inc({ outcome });
      return { reservation: reservationView(reservation), replayed: outcome === 'already_released' };
    } catch (error) {
      this.deps.metrics.releases.inc({ outcome: outcomeOf(error) });
      throw error;
    }
  }

  /** These orders were saved by order-service (their signed order.created events were read). */
  async placed(orderIds: string[]): Promise<void> {
    if (orderIds.length > 0) await this.deps.stock.markPlaced(orderIds);
  }

  async get(orderId: string): Promise<ReservationView> {
    const record = await this.deps.stock.get(orderId);
    if (!record) throw HttpError.notFound('No reservation for this order');
    return reservationView(record);
  }

  private async stockChanged(changes: StockChange[], kind: 'take' | 'give-back'): Promise<void> {
    if (changes.length === 0) return;
    const availabilityChanged = changes.filter((change) => change.availabilityChanged).length;
    if (kind === 'take') this.deps.metrics.stockouts.inc(availabilityChanged);
    await this.deps.cache.stockChanged(changes, availabilityChanged > 0);
  }
}
