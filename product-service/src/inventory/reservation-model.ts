import { type Connection, type Model, Schema } from 'mongoose';

/**
 * pending: units are being taken (or a crash interrupted that); releasing: units are being put back.
 * released without items is a tombstone: the order was released before it ever reserved.
 */
export const RESERVATION_STATUSES = ['pending', 'reserved', 'releasing', 'released'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

export interface ReservedItem {
  productId: string;
  quantity: number;
  name: string;
  unitPriceCents: number;
}

export interface ReservationFields {
  _id: string;
  status: ReservationStatus;
  items: ReservedItem[];
  createdAt: Date;
  updatedAt: Date;
}

const itemSchema = new Schema<ReservedItem>(
  {
    productId: { type: String, required: true },
    quantity: { type: Number, required: true },
    name: { type: String, required: true },
    unitPriceCents: { type: Number, required: true },
  },
  { _id: false },
);

const reservationSchema = new Schema<ReservationFields>(
  {
    _id: { type: String, required: true },
    status: { type: String, enum: RESERVATION_STATUSES, required: true },
    items: { type: [itemSchema], default: [] },
  },
  { timestamps: true, versionKey: false },
);

export type ReservationModel = Model<ReservationFields>;

export function reservationModel(connection: Connection): ReservationModel {
  return connection.model<ReservationFields>('Reservation', reservationSchema, 'reservations');
}
