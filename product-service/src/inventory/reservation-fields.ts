/** A reservation as stored (the stock store's model has this shape), for the store and what reads it. */

/**
 * Written once every unit is taken (reserved), never before: units taken for an order with no
 * reservation yet are only in the products' `holds`. releasing: units are being put back.
 * released without items is a tombstone: the order was released before it ever reserved.
 */
export const RESERVATION_STATUSES = ['reserved', 'releasing', 'released'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

export interface ReservedItem {
  productId: string;
  quantity: number;
  name: string;
  unitPriceCents: number;
}

/** A line of a reservation: the priced item (name and price may be absent on older records). */
export type ReservationLine = Pick<ReservedItem, 'productId' | 'quantity'> & Partial<ReservedItem>;

export interface ReservationFields {
  _id: string;
  status: ReservationStatus;
  items: ReservationLine[];
  /** The take call that reserved the units: its `holds` markers are only bookkeeping left behind. */
  takenBy?: string;
  /**
   * order-service saved the order (its signed `order.created` was read): from then on only the
   * order's cancellation gives the units back, never the internal release route.
   */
  placed?: boolean;
  /** Who is giving back this order's units right now (releasing). */
  claim?: string;
  /** After this the claimer is presumed dead, and another call may take its work over. */
  claimUntil?: Date;
  createdAt: Date;
  updatedAt: Date;
}
