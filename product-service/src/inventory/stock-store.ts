import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ensureIndexes,
  inBatches,
  isDuplicateKey,
  type Logger,
  retryWriteConflicts,
} from '@ecom/service-kit';
import { type Connection, type mongo, Types } from 'mongoose';
import { InventoryBusy, OrderIdReused, OrderPlaced, ReservationReleased } from './inventory-errors';
import type { RequestedItem } from './inventory-schemas';
import type { ReservationFields, ReservationLine, ReservedItem } from './reservation-fields';
import { reservationModel } from './reservation-model';
import {
  type GiveBackCaller,
  type GiveBackResult,
  type HoldMarker,
  isTombstone,
  type ProductSnapshot,
  restock,
  sameItems,
  type StockChange,
  type TakeResult,
} from './stock-types';

/** Products per marker-removal command (see dropReservedMarkers). */
const MARKER_FLUSH_GROUP = 16;

export type {
  GiveBackCaller,
  GiveBackResult,
  HoldMarker,
  ProductSnapshot,
  StockChange,
  TakeResult,
} from './stock-types';

/**
 * product-store's collection (its model defines the `holds` and `releases` fields): the stock of
 * its documents is this store's to take and give back, by driver-level conditional writes.
 */
const PRODUCTS_COLLECTION = 'products';

/** Longer than any give-back runs, so a live claimer is never taken over. */
const CLAIM_MS = 30_000;
const BUSY_POLL_MS = 20;

/** What a take reads back of the product: the markers stay on the server. */
const SNAPSHOT = { name: 1, priceCents: 1, stock: 1, isActive: 1 } as const;

const oid = (id: string) => new Types.ObjectId(id);
const claimed = (claim: string) => ({ claim, claimUntil: new Date(Date.now() + CLAIM_MS) });
/** `null` also matches a claim that was never set (a crash before claims existed, or a test's state). */
const heldBy = (record: ReservationFields) => ({ status: record.status, claim: record.claim ?? null });
const claimIsLive = (record: ReservationFields) => (record.claimUntil?.getTime() ?? 0) > Date.now();

/** The product document as the driver-level calls below see it. */
interface ProductDoc {
  _id: Types.ObjectId;
  name: string;
  priceCents: number;
  stock: number;
  isActive?: boolean | null;
  holds?: HoldMarker[];
  releases?: string[];
  updatedAt: Date;
}

interface TakenLine {
  item: RequestedItem;
  product: ProductSnapshot;
}

/** What the crash recovery needs to know of an order's reservation. */
export interface ReservationState {
  tombstone: boolean;
  takenBy?: string;
}

export interface StockStoreDeps {
  logger: Logger;
  /** How long a call waits for another call working on the same order (tests shorten it). */
  waitMs?: number;
}

/**
 * Stock per order, on conditional single-document writes only (see createStockStore). The
 * reservation model is this store's alone; the products' stock and holds fields are written here too.
 */
export interface StockStore {
  /** Takes every line for the order, or none. Lines must be merged and sorted (mergeItems). */
  take(orderId: string, items: RequestedItem[]): Promise<TakeResult>;
  /**
   * Gives an order's units back exactly once; for an order never reserved, leaves a tombstone. For
   * an order that was not placed only (`unplaced`): the reservation of a placed order goes back with
   * the order's cancellation alone, so it is refused (OrderPlaced).
   */
  giveBack(orderId: string, caller?: GiveBackCaller): Promise<GiveBackResult>;
  get(orderId: string): Promise<ReservationFields | null>;
  /** The products as they are now, with the orders they hold units for. */
  loadProducts(items: Pick<RequestedItem, 'productId'>[]): Promise<Map<string, ProductSnapshot>>;
  /** Null when the order already has a reservation (the caller looks again). */
  insertTombstone(orderId: string): Promise<ReservationFields | null>;
  /** Every marker on every product, for the crash recovery. */
  heldMarkers(): Promise<Array<{ productId: string; hold: HoldMarker }>>;
  reservationStates(orderIds: string[]): Promise<Map<string, ReservationState>>;
  /** Removes the markers the reservations' own take calls left (see the function). */
  dropReservedMarkers(callsByProduct: Map<string, string[]>): Promise<void>;
  /** Puts back the units of one marker, once: the write matches only while the marker is there. */
  restoreHold(productId: string, hold: HoldMarker): Promise<StockChange | null>;
  /** Marks the reservations of these orders placed (see ReservationFields.placed): one command. */
  markPlaced(orderIds: string[]): Promise<void>;
  /**
   * Inserts reservations as they are (in batches of ~1,000, ordered: false), taking no stock: for
   * the bulk import, whose products start with the stock that should remain.
   */
  insertReserved(records: ReservationFields[]): Promise<void>;
}

/**
 * Stock per order, on conditional single-document writes only (the filter is checked atomically with
 * the write by the server, and the result says whether it matched). A take call takes each product's
 * units with one write that checks the stock and adds a marker to the product's `holds` (order id,
 * the call's own id, quantity, time), then inserts the reservation (`_id` = order id, `takenBy` = the
 * call): n + 1 commands. The insert decides the order once: a call that loses it (to a duplicate take,
 * or to a release's tombstone) puts its own units back, guarded by its marker.
 *
 * So that units come back exactly once, a marker leaves a product in one of two ways only: with its
 * units, by a write conditional on that call's marker (its own call, a release, the crash recovery),
 * or without them, only when the call is the reservation's `takenBy` (the sweep, a release), whose
 * units the reservation owns. Releases of reserved orders give units back once by `releases` markers.
 */
export async function createStockStore(connection: Connection, deps: StockStoreDeps): Promise<StockStore> {
  const { logger, waitMs = 3_000 } = deps;
  const reservations = reservationModel(connection);
  await ensureIndexes([reservations]);
  // Driver-level, on the request path above all: no casting, hydration or validation per call (the
  // input is validated by zod at the edge), and product ids are converted here. The products are
  // product-store's documents; their stock and holds are this store's (see the schema).
  const productDocs = connection.collection(PRODUCTS_COLLECTION) as unknown as mongo.Collection<ProductDoc>;
  const reservationDocs = reservations.collection as unknown as mongo.Collection<ReservationFields>;

  /** Takes every line for the order, or none. Lines must be merged and sorted (mergeItems). */
  async function take(orderId: string, items: RequestedItem[]): Promise<TakeResult> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const result = await tryTake(orderId, items);
      if (result) return result;
      if (Date.now() >= deadline) throw new InventoryBusy();
      await sleep(BUSY_POLL_MS);
    }
  }

  /**
   * Gives an order's units back exactly once; for an order never reserved, leaves a tombstone. For
   * an order that was not placed only (`unplaced`): the reservation of a placed order goes back with
   * the order's cancellation alone, so it is refused with 409.
   */
  async function giveBack(orderId: string, caller: GiveBackCaller = 'cancellation'): Promise<GiveBackResult> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const existing = await get(orderId);
      if (caller === 'unplaced' && existing?.placed && existing.status !== 'released')
        throw new OrderPlaced();
      if (!existing) {
        const tombstone = await insertTombstone(orderId);
        // First the tombstone, so a take in flight loses its insert; then the units it holds.
        if (tombstone)
          return { reservation: tombstone, outcome: 'tombstone', changes: await restoreHolds(orderId) };
      } else if (existing.status === 'released') {
        // A take that arrived after the tombstone and died before putting its units back.
        const changes = isTombstone(existing) ? await restoreHolds(orderId) : [];
        return { reservation: existing, outcome: 'already_released', changes };
      } else if (existing.status === 'reserved' || !claimIsLive(existing)) {
        const released = await release(existing, caller);
        if (released) return released;
      } else if (Date.now() >= deadline) {
        throw new InventoryBusy();
      }
      await sleep(BUSY_POLL_MS);
    }
  }

  function get(orderId: string): Promise<ReservationFields | null> {
    return reservations.findById(orderId).lean<ReservationFields>().exec();
  }

  /** The products as they are now, with the orders they hold units for. */
  async function loadProducts(
    items: Pick<RequestedItem, 'productId'>[],
  ): Promise<Map<string, ProductSnapshot>> {
    const found = await productDocs
      .find<ProductSnapshot>(
        { _id: { $in: items.map((item) => oid(item.productId)) } },
        { projection: { ...SNAPSHOT, 'holds.orderId': 1, 'holds.call': 1 } },
      )
      .toArray();
    return new Map(found.map((product) => [product._id.toString(), product]));
  }

  /** Null when the order already has a reservation (the caller looks again). */
  async function insertTombstone(orderId: string): Promise<ReservationFields | null> {
    const now = new Date();
    const tombstone: ReservationFields = {
      _id: orderId,
      status: 'released',
      items: [],
      createdAt: now,
      updatedAt: now,
    };
    try {
      // A tombstone: a reserve for this order that arrives late (after a timeout) is refused.
      await retryWriteConflicts(() => reservationDocs.insertOne(tombstone));
      return tombstone;
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  /** Every marker on every product, for the crash recovery. */
  async function heldMarkers(): Promise<Array<{ productId: string; hold: HoldMarker }>> {
    const held = await productDocs
      .find<{ _id: Types.ObjectId; holds: HoldMarker[] }>(
        { 'holds.orderId': { $exists: true } },
        { projection: { holds: 1 } },
      )
      .toArray();
    return held.flatMap((product) =>
      product.holds.map((hold) => ({ productId: product._id.toString(), hold })),
    );
  }

  async function reservationStates(orderIds: string[]): Promise<Map<string, ReservationState>> {
    const found = await reservationDocs
      .find<Pick<ReservationFields, '_id' | 'status' | 'items' | 'takenBy'>>(
        { _id: { $in: orderIds } },
        { projection: { status: 1, takenBy: 1, 'items.productId': 1 } },
      )
      .toArray();
    return new Map(
      found.map((record) => [record._id, { tombstone: isTombstone(record), takenBy: record.takenBy }]),
    );
  }

  /**
   * Removes the markers the reservations' own take calls left (no units: the reservations own
   * those), a few products per command. Only reservations' calls: removing is then idempotent.
   * The database runs one command's updates in one transaction, holding every row it touched until
   * the end: products go in id order (two replicas' flushes then lock in the same order and never
   * deadlock) and in small groups (a take waiting for its product's row waits for a few rows only).
   */
  async function dropReservedMarkers(callsByProduct: Map<string, string[]>): Promise<void> {
    const ordered = [...callsByProduct].sort(([a], [b]) => a.localeCompare(b));
    for (let start = 0; start < ordered.length; start += MARKER_FLUSH_GROUP) {
      await productDocs.bulkWrite(
        ordered.slice(start, start + MARKER_FLUSH_GROUP).map(([productId, calls]) => ({
          updateOne: {
            filter: { _id: oid(productId) },
            update: { $pull: { holds: { call: { $in: calls } } } },
          },
        })),
        { ordered: true },
      );
    }
  }

  /** Puts back the units of one marker, once: the write matches only while the marker is there. */
  async function restoreHold(productId: string, hold: HoldMarker): Promise<StockChange | null> {
    const updatedAt = new Date();
    const product = await productDocs.findOneAndUpdate(
      { _id: oid(productId), 'holds.call': hold.call },
      { $inc: { stock: hold.quantity }, $pull: { holds: { call: hold.call } }, $set: { updatedAt } },
      { returnDocument: 'after', projection: { stock: 1 } },
    );
    return product ? restock(product, productId, hold.quantity, updatedAt) : null;
  }

  /** Undefined: another call holds units for this order right now; the caller tries again. */
  async function tryTake(orderId: string, items: RequestedItem[]): Promise<TakeResult | undefined> {
    const call = randomUUID();
    const at = new Date();
    const settled = await Promise.allSettled(items.map((item) => takeOne(orderId, call, item, at)));
    const taken = settled.flatMap((result, i) =>
      result.status === 'fulfilled' && result.value ? [{ item: items[i]!, product: result.value }] : [],
    );
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) {
      // A line whose write failed may still have taken its units: its marker is the recovery's.
      await putBackTaken(call, taken);
      throw failed.reason;
    }
    if (taken.length < items.length) {
      await putBackTaken(call, taken);
      return whyRefused(orderId, items);
    }

    const reservation: ReservationFields = {
      _id: orderId,
      status: 'reserved',
      items: taken.map(({ item, product }): ReservedItem => ({
        ...item,
        name: product.name,
        unitPriceCents: product.priceCents,
      })),
      takenBy: call,
      createdAt: at,
      updatedAt: at,
    };
    try {
      // Sent at once, never held back to share a command: a process killed after the take and before
      // the send would leave units held with no reservation, and the order's retry refused for a minute.
      await retryWriteConflicts(() => reservationDocs.insertOne({ ...reservation }));
    } catch (error) {
      // Anything but E11000 may have inserted after all: the markers stay, the recovery decides.
      if (!isDuplicateKey(error)) throw error;
      const existing = await get(orderId);
      // The driver resent an insert that had gone through: this call did reserve.
      if (existing?.takenBy === call) return takenResult(existing, taken, at);
      await putBackTaken(call, taken);
      return existing ? answerFrom(existing, items) : undefined;
    }
    return takenResult(reservation, taken, at);
  }

  function takeOne(
    orderId: string,
    call: string,
    item: RequestedItem,
    at: Date,
  ): Promise<ProductSnapshot | null> {
    const hold: HoldMarker = { orderId, call, quantity: item.quantity, at };
    return productDocs.findOneAndUpdate(
      {
        _id: oid(item.productId),
        isActive: true,
        stock: { $gte: item.quantity },
        // Another call of this order holds this product: a duplicate take never takes twice.
        'holds.orderId': { $ne: orderId },
      },
      { $inc: { stock: -item.quantity }, $push: { holds: hold }, $set: { updatedAt: at } },
      { returnDocument: 'after', projection: SNAPSHOT },
    ) as Promise<ProductSnapshot | null>;
  }

  /** Puts back this call's units where its marker still is (elsewhere a release or the recovery did). */
  async function putBackTaken(call: string, taken: TakenLine[]): Promise<void> {
    const updatedAt = new Date();
    await Promise.all(
      taken.map(({ item }) =>
        productDocs.updateOne(
          { _id: oid(item.productId), 'holds.call': call },
          { $inc: { stock: item.quantity }, $pull: { holds: { call } }, $set: { updatedAt } },
        ),
      ),
    );
  }

  /** After a line was refused: a refusal, an answer from the reservation, or undefined to try again. */
  async function whyRefused(orderId: string, items: RequestedItem[]): Promise<TakeResult | undefined> {
    // Products first: a take holding them then inserts its reservation before the read below.
    const products = await loadProducts(items);
    const existing = await get(orderId);
    if (existing) return answerFrom(existing, items);
    const heldByAnother = [...products.values()].some((product) =>
      product.holds?.some((hold) => hold.orderId === orderId),
    );
    // Every line looks takeable again: this call may have lost to a take of the same order whose
    // units are back by now; looking again settles it (a stock race, too, is decided afresh).
    const takeable = items.every(({ productId, quantity }) => {
      const product = products.get(productId);
      return product?.isActive === true && product.stock >= quantity;
    });
    if (heldByAnother || takeable) return undefined;
    for (const product of products.values()) delete product.holds;
    return { kind: 'refused', products };
  }

  /** Marks the reservations of these orders placed (see ReservationFields.placed): one command. */
  async function markPlaced(orderIds: string[]): Promise<void> {
    await reservationDocs.updateMany(
      { _id: { $in: orderIds }, status: 'reserved' },
      { $set: { placed: true } },
    );
  }

  /** Null when another call changed the reservation first (the caller looks again). */
  async function release(
    existing: ReservationFields,
    caller: GiveBackCaller,
  ): Promise<GiveBackResult | null> {
    const orderId = existing._id;
    const claim = randomUUID();
    // For `unplaced`, only while no order.created has marked it (that may land after the read above).
    const unplacedOnly = caller === 'unplaced' ? { placed: { $ne: true } } : {};
    const won = await reservations.updateOne(
      { _id: orderId, ...heldBy(existing), ...unplacedOnly },
      { $set: { status: 'releasing', ...claimed(claim) } },
    );
    if (won.matchedCount === 0) return null;
    const changes = (await Promise.all(existing.items.map((item) => putBack(existing, item)))).flatMap(
      (change) => (change ? [change] : []),
    );
    const saved = await reservations
      .findOneAndUpdate(
        { _id: orderId, status: 'releasing', claim },
        { $set: { status: 'released' }, $unset: { claim: 1, claimUntil: 1 } },
        { returnDocument: 'after' },
      )
      .lean<ReservationFields>();
    if (!saved) throw new InventoryBusy();
    await dropReleaseMarkers(orderId, existing.items);
    return { reservation: saved, outcome: 'released', changes };
  }

  /** Returns a reserved line's units once: the `releases` marker makes a repeated release skip it. */
  async function putBack(reservation: ReservationFields, item: ReservationLine): Promise<StockChange | null> {
    const orderId = reservation._id;
    const updatedAt = new Date();
    const product = await productDocs.findOneAndUpdate(
      { _id: oid(item.productId), releases: { $ne: orderId } },
      {
        $inc: { stock: item.quantity },
        $push: { releases: orderId },
        // The reservation's own take marker, if the sweep has not removed it yet (no units).
        ...(reservation.takenBy ? { $pull: { holds: { call: reservation.takenBy } } } : {}),
        $set: { updatedAt },
      },
      { returnDocument: 'after', projection: { stock: 1 } },
    );
    return product ? restock(product, item.productId, item.quantity, updatedAt) : null;
  }

  /** Removing a marker is idempotent, so it needs no guard. */
  async function dropReleaseMarkers(orderId: string, items: ReservationLine[]) {
    await Promise.all(
      items.map((item) =>
        // Bookkeeping, not a change anyone sees: the product's updatedAt stays as the stock left it.
        productDocs.updateOne({ _id: oid(item.productId) }, { $pull: { releases: orderId } }),
      ),
    );
  }

  /** Puts back the units every call still holds for an order that has no reservation (a tombstone now). */
  async function restoreHolds(orderId: string): Promise<StockChange[]> {
    const held = await productDocs
      .find<{ _id: Types.ObjectId; holds: HoldMarker[] }>(
        { 'holds.orderId': orderId },
        { projection: { holds: 1 } },
      )
      .toArray();
    const restored = await Promise.all(
      held.flatMap((product) =>
        product.holds
          .filter((hold) => hold.orderId === orderId)
          .map((hold) => restoreHold(product._id.toString(), hold)),
      ),
    );
    if (restored.some(Boolean)) logger.info({ orderId }, 'put back units of a take that lost to a release');
    return restored.flatMap((change) => (change ? [change] : []));
  }

  /** Stores reservations as a successful take leaves them, in batches (the bulk import's). */
  async function insertReserved(records: ReservationFields[]): Promise<void> {
    await inBatches(records, (batch) => reservationDocs.insertMany(batch, { ordered: false }));
  }

  return {
    take,
    giveBack,
    get,
    loadProducts,
    insertTombstone,
    heldMarkers,
    reservationStates,
    dropReservedMarkers,
    restoreHold,
    markPlaced,
    insertReserved,
  };
}

function takenResult(reservation: ReservationFields, taken: TakenLine[], at: Date): TakeResult {
  const changes = taken.map(({ product }) => ({
    id: product._id.toString(),
    stock: product.stock,
    updatedAt: at.toISOString(),
    availabilityChanged: product.stock === 0,
  }));
  return { kind: 'taken', reservation, changes };
}

/** The answer for an order another call already decided. */
function answerFrom(existing: ReservationFields, items: RequestedItem[]): TakeResult {
  if (existing.status !== 'reserved') {
    throw new ReservationReleased();
  }
  if (!sameItems(existing.items, items)) {
    throw new OrderIdReused();
  }
  return { kind: 'replayed', reservation: existing };
}
