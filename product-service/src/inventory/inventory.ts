import { type DocumentLocks, HttpError, type Logger } from '@ecom/service-kit';
import type { Types } from 'mongoose';
import type { CatalogCache } from '../cache/catalog-cache';
import { lockKeys } from '../lock-keys';
import type { CatalogMetrics } from '../metrics';
import type { Models } from '../models';
import type { RequestedItem } from './inventory-schemas';
import type { ReservationFields, ReservedItem } from './reservation-model';
import { type ReservationView, reservationView } from './reservation-view';

export interface InventoryDeps {
  models: Models;
  locks: DocumentLocks;
  cache: CatalogCache;
  metrics: CatalogMetrics;
  logger: Logger;
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

function sameItems(stored: ReservedItem[], requested: RequestedItem[]): boolean {
  return (
    stored.length === requested.length &&
    stored.every(
      (item, i) => item.productId === requested[i]!.productId && item.quantity === requested[i]!.quantity,
    )
  );
}

interface ProductSnapshot {
  name: string;
  priceCents: number;
  stock: number;
  isActive?: boolean | null;
}

interface LockedProduct extends ProductSnapshot {
  _id: Types.ObjectId;
  /** Orders whose reservation has taken units from this product and not yet completed. */
  holds?: string[];
}

/** Why these items cannot be reserved from these products (422 before 409), or undefined. */
function availabilityProblem(
  items: RequestedItem[],
  byId: Map<string, ProductSnapshot>,
): HttpError | undefined {
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
  if (short.length > 0) {
    return HttpError.conflict('Insufficient stock', { reason: 'insufficient_stock', items: short });
  }
  return undefined;
}

/** A product's stock after units came back, for the cache's live stock. */
interface Restock {
  id: string;
  stock: number;
  updatedAt: string;
  /** It had none left before: it re-enters `inStock=true` lists. */
  wasSoldOut: boolean;
}

function restock(stockBefore: number, item: ReservedItem, updatedAt: Date): Restock {
  return {
    id: item.productId,
    stock: stockBefore + item.quantity,
    updatedAt: updatedAt.toISOString(),
    wasSoldOut: stockBefore === 0,
  };
}

function outcomeOf(error: unknown): string {
  if (!(error instanceof HttpError)) return 'error';
  const reason = (error.details as { reason?: string } | undefined)?.reason;
  return reason ?? (error.status === 503 ? 'busy' : 'error');
}

/**
 * Reservations take stock for an order, all or nothing, and releases put it back exactly once.
 *
 * Every step runs under the order's lock and the locks of its products (see DocumentLocks). Each
 * product update takes the units *and* records the order in `holds` in one single-document write;
 * releases likewise restore the units and record the order in `releases`. So a crash at any point
 * leaves an exact trace: a retried reserve or a release finds a `pending` reservation and puts back
 * precisely the units whose holds are present, and a retried release skips products that already
 * carry its marker. The markers are removed once the reservation or release has completed.
 */
export class Inventory {
  constructor(private readonly deps: InventoryDeps) {}

  async reserve(orderId: string, requested: RequestedItem[]): Promise<InventoryResult> {
    const items = mergeItems(requested);
    const productIds = items.map((item) => item.productId);
    const keys = [lockKeys.order(orderId), ...productIds.map(lockKeys.product)];
    try {
      const result = await this.deps.locks.withLocks(keys, () => this.reserveLocked(orderId, items), {
        beforeShared: () => this.refuseEarly(orderId, items),
      });
      this.deps.metrics.reservations.inc({ outcome: result.replayed ? 'replayed' : 'reserved' });
      return result;
    } catch (error) {
      this.deps.metrics.reservations.inc({ outcome: outcomeOf(error) });
      throw error;
    }
  }

  async release(orderId: string): Promise<InventoryResult> {
    try {
      const { result, outcome } = await this.deps.locks.withLocks([lockKeys.order(orderId)], () =>
        this.releaseLocked(orderId),
      );
      this.deps.metrics.releases.inc({ outcome });
      return result;
    } catch (error) {
      this.deps.metrics.releases.inc({ outcome: outcomeOf(error) });
      throw error;
    }
  }

  async get(orderId: string): Promise<ReservationView> {
    const record = await this.deps.models.reservations.findById(orderId).lean<ReservationFields>();
    if (!record) throw HttpError.notFound('No reservation for this order');
    return reservationView(record);
  }

  private async reserveLocked(orderId: string, items: RequestedItem[]): Promise<InventoryResult> {
    const { products, reservations } = this.deps.models;
    const existing = await reservations.findById(orderId).lean<ReservationFields>();
    if (existing?.status === 'reserved') {
      if (!sameItems(existing.items, items)) {
        throw HttpError.unprocessable('This orderId already has a reservation with other items', {
          reason: 'order_id_reused',
        });
      }
      return { reservation: reservationView(existing), replayed: true };
    }
    if (existing && existing.status !== 'pending') {
      throw HttpError.conflict('The reservation for this order was released; use a new orderId', {
        reason: 'released',
      });
    }
    if (existing) {
      this.deps.logger.warn(
        { orderId },
        'resuming a reservation interrupted midway; putting its units back first',
      );
      await this.putBackHolds(orderId, existing.items);
    }

    const byId = await this.loadProducts(items);
    const problem = availabilityProblem(items, byId);
    if (problem) {
      if (existing) await reservations.deleteOne({ _id: orderId });
      throw problem;
    }

    const reserved: ReservedItem[] = items.map(({ productId, quantity }) => {
      const product = byId.get(productId)!;
      return { productId, quantity, name: product.name, unitPriceCents: product.priceCents };
    });
    await reservations.updateOne(
      { _id: orderId },
      { $set: { status: 'pending', items: reserved } },
      { upsert: true },
    );
    // Set explicitly, so the live stock in the cache carries the very timestamp the database has.
    const updatedAt = new Date();
    for (const item of reserved) {
      const product = byId.get(item.productId)!;
      const taken = product.holds?.includes(orderId)
        ? { modifiedCount: 0 }
        : await products.updateOne(
            this.deps.locks.lockedFilter(product._id, {
              isActive: true,
              stock: { $gte: item.quantity },
              holds: { $ne: orderId },
            }),
            { $inc: { stock: -item.quantity }, $push: { holds: orderId }, $set: { updatedAt } },
            { timestamps: false },
          );
      if (taken.modifiedCount !== 1) {
        // Unreachable while every product writer holds the product's lock; kept so a writer that
        // forgets the lock produces a refusal, never negative stock.
        await this.putBackHolds(orderId, reserved);
        await reservations.deleteOne({ _id: orderId });
        throw HttpError.conflict('Insufficient stock', {
          reason: 'insufficient_stock',
          items: [{ productId: item.productId, requested: item.quantity, available: 0 }],
        });
      }
    }
    // Before the holds go: a reserve retried after a crash must still find them while it is pending.
    const saved = await reservations
      .findOneAndUpdate({ _id: orderId }, { $set: { status: 'reserved' } }, { new: true })
      .lean<ReservationFields>();
    await this.dropMarker(byId.keys(), 'holds', orderId);
    const left = reserved.map((item) => ({
      id: item.productId,
      stock: byId.get(item.productId)!.stock - item.quantity,
      updatedAt: updatedAt.toISOString(),
    }));
    const soldOut = left.filter((product) => product.stock === 0);
    this.deps.metrics.stockouts.inc(soldOut.length);
    await this.deps.cache.stockChanged(left, soldOut.length > 0);
    return { reservation: reservationView(saved!), replayed: false };
  }

  private async releaseLocked(orderId: string): Promise<{ result: InventoryResult; outcome: string }> {
    const { reservations } = this.deps.models;
    const existing = await reservations.findById(orderId).lean<ReservationFields>();
    if (!existing) {
      // A tombstone: a reserve for this order that arrives late (after a timeout) is refused.
      const tombstone = await reservations.create({ _id: orderId, status: 'released', items: [] });
      return {
        result: { reservation: reservationView(tombstone.toObject()), replayed: false },
        outcome: 'tombstone',
      };
    }
    if (existing.status === 'released') {
      return {
        result: { reservation: reservationView(existing), replayed: true },
        outcome: 'already_released',
      };
    }

    const productIds = existing.items.map((item) => item.productId);
    const saved = await this.deps.locks.withLocks(productIds.map(lockKeys.product), async () => {
      let restocked: Restock[];
      if (existing.status === 'pending') {
        restocked = await this.putBackHolds(orderId, existing.items);
      } else {
        await reservations.updateOne({ _id: orderId }, { $set: { status: 'releasing' } });
        restocked = [];
        for (const item of existing.items) restocked.push(...(await this.putBack(orderId, item)));
      }
      const released = await reservations
        .findOneAndUpdate({ _id: orderId }, { $set: { status: 'released' } }, { new: true })
        .lean<ReservationFields>();
      await this.dropMarker(productIds, 'releases', orderId);
      const backInStock = restocked.some((product) => product.wasSoldOut);
      await this.deps.cache.stockChanged(restocked, backInStock);
      return released;
    });
    return { result: { reservation: reservationView(saved!), replayed: false }, outcome: 'released' };
  }

  /**
   * Lock-free refusal, once this process's queue for the keys has reached the caller: when stock is
   * short at this read, refusing is a correct answer and records nothing, so callers of a sold-out
   * product do not write lock documents.
   * Orders that already have a reservation (replays, tombstones) always take the locked path.
   */
  private async refuseEarly(orderId: string, items: RequestedItem[]): Promise<void> {
    if (await this.deps.models.reservations.exists({ _id: orderId })) return;
    const problem = availabilityProblem(items, await this.loadProducts(items));
    if (problem) throw problem;
  }

  /** One read per product: FerretDB v1 serves a bare `_id` from its index and scans for `$in`. */
  private async loadProducts(items: RequestedItem[]): Promise<Map<string, LockedProduct>> {
    const found = await Promise.all(
      items.map(({ productId }) =>
        this.deps.models.products
          .findById(productId)
          .select('name priceCents stock isActive holds')
          .lean<LockedProduct>(),
      ),
    );
    return new Map(found.flatMap((product) => (product ? [[product._id.toString(), product]] : [])));
  }

  private readMarkers(productId: string) {
    return this.deps.models.products
      .findById(productId)
      .select('stock holds releases')
      .lean<{ _id: Types.ObjectId; stock: number; holds?: string[]; releases?: string[] }>();
  }

  /** Restores the units of products that still hold this order. Caller holds the product locks. */
  private async putBackHolds(orderId: string, items: ReservedItem[]): Promise<Restock[]> {
    const restocked: Restock[] = [];
    for (const item of items) {
      const product = await this.readMarkers(item.productId);
      if (!product?.holds?.includes(orderId)) continue;
      const updatedAt = new Date();
      const result = await this.deps.models.products.updateOne(
        this.deps.locks.lockedFilter(product._id, { holds: orderId }),
        { $inc: { stock: item.quantity }, $pull: { holds: orderId }, $set: { updatedAt } },
        { timestamps: false },
      );
      if (result.modifiedCount === 1) restocked.push(restock(product.stock, item, updatedAt));
    }
    return restocked;
  }

  /** Returns a reserved item's units once: the `releases` marker makes a retried release skip it. */
  private async putBack(orderId: string, item: ReservedItem): Promise<Restock[]> {
    const product = await this.readMarkers(item.productId);
    if (!product || product.releases?.includes(orderId)) return [];
    const updatedAt = new Date();
    const result = await this.deps.models.products.updateOne(
      this.deps.locks.lockedFilter(product._id, { releases: { $ne: orderId } }),
      {
        $inc: { stock: item.quantity },
        $push: { releases: orderId },
        $pull: { holds: orderId },
        $set: { updatedAt },
      },
      { timestamps: false },
    );
    return result.modifiedCount === 1 ? [restock(product.stock, item, updatedAt)] : [];
  }

  /** Removing a marker is idempotent, so it needs no guard: one `_id` write per product. */
  private async dropMarker(productIds: Iterable<string>, marker: 'holds' | 'releases', orderId: string) {
    await Promise.all(
      [...productIds].map((productId) =>
        this.deps.models.products.updateOne(
          { _id: productId },
          { $pull: { [marker]: orderId } },
          // Bookkeeping, not a change anyone sees: the product's updatedAt stays as the stock left it.
          { timestamps: false },
        ),
      ),
    );
  }
}
