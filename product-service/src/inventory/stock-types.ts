import type { Types } from 'mongoose';
import type { RequestedItem } from './inventory-schemas';
import type { ReservationFields, ReservationLine } from './reservation-fields';

/** Units one take call holds on a product for an order (a product's `holds` entry). */
export interface HoldMarker {
  orderId: string;
  /** The take call: only this call's marker is matched when its units go back. */
  call: string;
  quantity: number;
  at: Date;
}

export interface ProductSnapshot {
  _id: Types.ObjectId;
  name: string;
  priceCents: number;
  stock: number;
  isActive?: boolean | null;
  holds?: Array<Pick<HoldMarker, 'orderId' | 'call'>>;
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

/** Who asks for a give-back: the order's cancellation (an event), or the internal route. */
export type GiveBackCaller = 'cancellation' | 'unplaced';

export interface GiveBackResult {
  reservation: ReservationFields;
  outcome: 'released' | 'already_released' | 'tombstone';
  changes: StockChange[];
}

export function sameItems(stored: ReservationLine[], requested: RequestedItem[]): boolean {
  return (
    stored.length === requested.length &&
    stored.every(
      (item, i) => item.productId === requested[i]!.productId && item.quantity === requested[i]!.quantity,
    )
  );
}

/** Released before it ever reserved: no items. */
export function isTombstone(record: Pick<ReservationFields, 'status' | 'items'>): boolean {
  return record.status === 'released' && (record.items?.length ?? 0) === 0;
}

export function restock(
  product: { stock: number },
  productId: string,
  quantity: number,
  updatedAt: Date,
): StockChange {
  return {
    id: productId,
    stock: product.stock,
    updatedAt: updatedAt.toISOString(),
    availabilityChanged: product.stock === quantity,
  };
}
