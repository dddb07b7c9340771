import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpError, isDuplicateKey, type Logger, retryWriteConflicts } from '@ecom/service-kit';
import type { Types } from 'mongoose';
import type { Models } from '../models';
import type { RequestedItem } from './inventory-schemas';
import type { ReservationFields, ReservationLine, ReservedItem } from './reservation-model';

/** Longer than any take or give-back runs, so a live claimer is never taken over. */
const CLAIM_MS = 30_000;
const BUSY_POLL_MS = 20;

export interface ProductSnapshot {
  _id: Types.ObjectId;
  name: string;
  priceCents: number;
  stock: number;
  isActive?: boolean | null;
  holds?: string[];
  releases?: string[];
}

/** A product's stock after a take or give-back, for the cache's live stock. */
export interface StockChange {
  id: string;
  stock: number;
  updatedAt: string;
  /** It had none left before (give-back) or has none left now (take). */
  availabilityChanged: boolean;
}

export type TakeResult =
  | { kind: 'taken'; reservation: ReservationFields; changes: StockChange[] }
  | { kind: 'replayed'; reservation: ReservationFields }
  /** Nothing was taken: these are the products as they are now, to explain why. */
  | { kind: 'refused'; products: Map<string, ProductSnapshot> };

export interface GiveBackResult {
  reservation: ReservationFields;
  outcome: 'released' | 'already_released' | 'tombstone';
  changes: StockChange[];
}

function sameItems(stored: ReservationLine[], requested: RequestedItem[]): boolean {
  return (
    stored.length === requested.length &&
    stored.every(
      (item, i) => item.productId === requested[i]!.productId && item.quantity === requested[i]!.quantity,
    )
  );
}

function busy(): HttpError {
  return HttpError.serviceUnavailable('Inventory is busy with this order, retry shortly', 1);
}

/** What a take reads back of the product: the markers stay on the server. */
const SNAPSHOT = { name: 1, priceCents: 1, stock: 1, isActive: 1 } as const;

const claimed = (claim: string) => ({ claim, claimUntil: new Date(Date.now() + CLAIM_MS) });
/** `null` also matches a claim that was never set (a crash before claims existed, or a test's state). */
const heldBy = (record: ReservationFields) => ({ status: record.status, claim: record.claim ?? null });
const claimIsLive = (record: ReservationFields) => (record.claimUntil?.getTime() ?? 0) > Date.now();

/**
 * Stock per order, on conditional single-document writes only (the filter is checked atomically with
 * the write by the server, and the result says whether it matched): a product's units
 * are taken by one write that checks the stock *and* records the order in `holds`; given back by
 * one write that records it in `releases`. The reservation document (`_id` = order id) is the
 * order's claim: inserted first, so one order id takes stock once; its `claim` names the call
 * working on it, so a crashed call's work is taken over (after CLAIM_MS) and redone exactly once,
 * guided by the markers, which are removed when the step is complete.
 */
export class StockStore {
  constructor(
    private readonly models: Models,
    private readonly logger: Logger,
    private readonly waitMs = 3_000,
  ) {}

  /** Takes every line for the order, or none. Lines must be merged and sorted (mergeItems). */
  async take(orderId: string, items: RequestedItem[]): Promise<TakeResult> {
    const claim = randomUUID();
    const existing = await this.claimOrder(orderId, items, claim);
    if (existing) return existing;

    const updatedAt = new Date();
    const taken = await Promise.all(items.map((item) => this.takeOne(orderId, item, updatedAt)));
    if (taken.some((product) => !product)) {
      await this.putBackHolds(orderId, items);
      await this.models.reservations.deleteOne({ _id: orderId, status: 'pending', claim });
      return { kind: 'refused', products: await this.loadProducts(items) };
    }
    const reserved: ReservedItem[] = items.map((item, i) => ({
      ...item,
      name: taken[i]!.name,
      unitPriceCents: taken[i]!.priceCents,
    }));
    const saved = await this.models.reservations
      .findOneAndUpdate(
        { _id: orderId, status: 'pending', claim },
        { $set: { status: 'reserved', items: reserved }, $unset: { claim: 1, claimUntil: 1 } },
        { returnDocument: 'after' },
      )
      .lean<ReservationFields>();
    // Only if this call outlived its claim; the call that took it over puts the units back.
    if (!saved) throw busy();
    await this.dropMarker(items, 'holds', orderId);
    const changes = taken.map((product) => ({
      id: product!._id.toString(),
      stock: product!.stock,
      updatedAt: updatedAt.toISOString(),
      availabilityChanged: product!.stock === 0,
    }));
    return { kind: 'taken', reservation: saved, changes };
  }

  /** Gives an order's units back exactly once; for an order never reserved, leaves a tombstone. */
  async giveBack(orderId: string): Promise<GiveBackResult> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const existing = await this.models.reservations.findById(orderId).lean<ReservationFields>();
      if (!existing) {
        const tombstone = await this.insertTombstone(orderId);
        if (tombstone) return { reservation: tombstone, outcome: 'tombstone', changes: [] };
      } else if (existing.status === 'released') {
        return { reservation: existing, outcome: 'already_released', changes: [] };
      } else if (existing.status === 'reserved' || !claimIsLive(existing)) {
        const released = await this.release(existing);
        if (released) return released;
      } else if (Date.now() >= deadline) {
        throw busy();
      }
      await sleep(BUSY_POLL_MS);
    }
  }

  get(orderId: string): Promise<ReservationFields | null> {
    return this.models.reservations.findById(orderId).lean<ReservationFields>().exec();
  }

  async loadProducts(items: RequestedItem[]): Promise<Map<string, ProductSnapshot>> {
    const found = await this.models.products
      .find({ _id: { $in: items.map((item) => item.productId) } })
      .select('name priceCents stock isActive')
      .lean<ProductSnapshot[]>();
    return new Map(found.map((product) => [product._id.toString(), product]));
  }

  /**
   * Inserts the pending reservation (the claim), or answers for the order from what exists:
   * a replay, a refusal, or a wait while another call works on it. Undefined: this call owns it.
   */
  private async claimOrder(
    orderId: string,
    items: RequestedItem[],
    claim: string,
  ): Promise<TakeResult | undefined> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      try {
        await retryWriteConflicts(() =>
          this.models.reservations.create({ _id: orderId, status: 'pending', items, ...claimed(claim) }),
        );
        return undefined;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const existing = await this.get(orderId);
      if (existing?.status === 'reserved') {
        if (!sameItems(existing.items, items)) {
          throw HttpError.unprocessable('This orderId already has a reservation with other items', {
            reason: 'order_id_reused',
          });
        }
        return { kind: 'replayed', reservation: existing };
      }
      if (existing && existing.status !== 'pending') {
        throw HttpError.conflict('The reservation for this order was released; use a new orderId', {
          reason: 'released',
        });
      }
      if (existing && !claimIsLive(existing) && (await this.takeOver(existing, items, claim)))
        return undefined;
      if (Date.now() >= deadline) throw busy();
      await sleep(BUSY_POLL_MS);
    }
  }

  /** A take that died midway: put back what it took, then start afresh under this call's claim. */
  private async takeOver(
    existing: ReservationFields,
    items: RequestedItem[],
    claim: string,
  ): Promise<boolean> {
    const { reservations } = this.models;
    const won = await reservations.updateOne(
      { _id: existing._id, ...heldBy(existing) },
      { $set: claimed(claim) },
    );
    if (won.matchedCount === 0) return false;
    this.logger.warn(
      { orderId: existing._id },
      'resuming a reservation interrupted midway; putting its units back first',
    );
    await this.putBackHolds(existing._id, existing.items);
    await reservations.updateOne({ _id: existing._id, claim }, { $set: { items } });
    return true;
  }

  private takeOne(orderId: string, item: RequestedItem, updatedAt: Date): Promise<ProductSnapshot | null> {
    return this.models.products
      .findOneAndUpdate(
        { _id: item.productId, isActive: true, stock: { $gte: item.quantity }, holds: { $ne: orderId } },
        { $inc: { stock: -item.quantity }, $push: { holds: orderId }, $set: { updatedAt } },
        { returnDocument: 'after', timestamps: false, projection: SNAPSHOT },
      )
      .lean<ProductSnapshot>();
  }

  /** Null when another call created the reservation meanwhile (the caller looks again). */
  private async insertTombstone(orderId: string): Promise<ReservationFields | null> {
    try {
      // A tombstone: a reserve for this order that arrives late (after a timeout) is refused.
      const created = await retryWriteConflicts(() =>
        this.models.reservations.create({ _id: orderId, status: 'released', items: [] }),
      );
      return created.toObject();
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  /** Null when another call changed the reservation first (the caller looks again). */
  private async release(existing: ReservationFields): Promise<GiveBackResult | null> {
    const { reservations } = this.models;
    const orderId = existing._id;
    const claim = randomUUID();
    const releasing = existing.status === 'pending' ? 'pending' : 'releasing';
    const won = await reservations.updateOne(
      { _id: orderId, ...heldBy(existing) },
      { $set: { status: releasing, ...claimed(claim) } },
    );
    if (won.matchedCount === 0) return null;
    const changes =
      releasing === 'pending'
        ? await this.putBackHolds(orderId, existing.items)
        : (await Promise.all(existing.items.map((item) => this.putBack(orderId, item)))).flat();
    const saved = await reservations
      .findOneAndUpdate(
        { _id: orderId, status: releasing, claim },
        { $set: { status: 'released' }, $unset: { claim: 1, claimUntil: 1 } },
        { returnDocument: 'after' },
      )
      .lean<ReservationFields>();
    if (!saved) throw busy();
    if (releasing === 'releasing') await this.dropMarker(existing.items, 'releases', orderId);
    return { reservation: saved, outcome: 'released', changes };
  }

  /** Restores the units of products that still hold this order (a take that did not complete). */
  private async putBackHolds(orderId: string, items: ReservationLine[]): Promise<StockChange[]> {
    const updatedAt = new Date();
    const restored = await Promise.all(
      items.map((item) =>
        this.models.products
          .findOneAndUpdate(
            { _id: item.productId, holds: orderId },
            { $inc: { stock: item.quantity }, $pull: { holds: orderId }, $set: { updatedAt } },
            { returnDocument: 'after', timestamps: false, projection: { stock: 1 } },
          )
          .lean(),
      ),
    );
    return restored.flatMap((product, i) => (product ? [restock(product, items[i]!, updatedAt)] : []));
  }

  /** Returns a reserved line's units once: the `releases` marker makes a repeated release skip it. */
  private async putBack(orderId: string, item: ReservationLine): Promise<StockChange[]> {
    const updatedAt = new Date();
    const product = await this.models.products
      .findOneAndUpdate(
        { _id: item.productId, releases: { $ne: orderId } },
        {
          $inc: { stock: item.quantity },
          $push: { releases: orderId },
          $pull: { holds: orderId },
          $set: { updatedAt },
        },
        { returnDocument: 'after', timestamps: false, projection: { stock: 1 } },
      )
      .lean();
    return product ? [restock(product, item, updatedAt)] : [];
  }

  /** Removing a marker is idempotent, so it needs no guard. */
  private async dropMarker(items: ReservationLine[], marker: 'holds' | 'releases', orderId: string) {
    await Promise.all(
      items.map((item) =>
        this.models.products.updateOne(
          { _id: item.productId },
          { $pull: { [marker]: orderId } },
          // Bookkeeping, not a change anyone sees: the product's updatedAt stays as the stock left it.
          { timestamps: false },
        ),
      ),
    );
  }
}

function restock(product: { stock: number }, item: ReservationLine, updatedAt: Date): StockChange {
  return {
    id: item.productId,
    stock: product.stock,
    updatedAt: updatedAt.toISOString(),
    availabilityChanged: product.stock === item.quantity,
  };
}
