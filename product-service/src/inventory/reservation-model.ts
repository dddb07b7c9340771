import { type Connection, type Model, Schema } from 'mongoose';
import { RESERVATION_STATUSES, type ReservationFields, type ReservationLine } from './reservation-fields';

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
    takenBy: { type: String },
    placed: { type: Boolean },
    claim: { type: String },
    claimUntil: { type: Date },
  },
  { timestamps: true, versionKey: false },
);

export type ReservationModel = Model<ReservationFields>;

export function reservationModel(connection: Connection): ReservationModel {
  return connection.model<ReservationFields>('Reservation', reservationSchema, 'reservations');
}
