import { type Connection, type Model, Schema } from 'mongoose';

/**
 * pending: units are being taken (or a crash interrupted that); releasing: units are being put back.
 * released without items is a tombstone: the order was released before it ever reserved.
 * While pending, items are the requested lines (no name or price yet).
 */
export const RESERVATION_STATUSES = ['pending', 'reserved', 'releasing', 'released'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

export interface ReservedItem {
  productId: string;
  quantity: number;
  name: string;
  unitPriceCents: number;
}

/** A line of a reservation: priced once reserved, just product and quantity while pending. */
export type ReservationLine = Pick<ReservedItem, 'productId' | 'quantity'> & Partial<ReservedItem>;

export interface ReservationFields {
  _id: string;
  status: ReservationStatus;
  items: ReservationLine[];
  /** Who is taking or giving back this order's units right now (pending, releasing). */
  claim?: string;
  /** After this the claimer is presumed dead, and another call may take its work over. */
  claimUntil?: Date;
  createdAt: Date;
  updatedAt: Date;
}

const itemSchema = new Schema<ReservationLine>(
  {
    productId: { type: String, required: true },
    quantity: { type: Number, required: true },
    name: { type: String },
    unitPriceCents: { type: Number },
  },
  { _id: false },
);

const reservationSchema = new Schema<ReservationFields>(
  {
    _id: { type: String, required: true },
    status: { type: String, enum: RESERVATION_STATUSES, required: true },
    items: { type: [itemSchema], default: [] },
    claim: { type: String },
    claimUntil: { type: Date },
  },
  { timestamps: true, versionKey: false },
);

export type ReservationModel = Model<ReservationFields>;

export function reservationModel(connection: Connection): ReservationModel {
  return connection.model<ReservationFields>('Reservation', reservationSchema, 'reservations');
}
