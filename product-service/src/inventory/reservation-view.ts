import { fromCents } from '@ecom/service-kit';
import type { ReservationFields, ReservationStatus } from './reservation-fields';

export interface ReservationView {
  orderId: string;
  status: ReservationStatus;
  items: Array<{
    productId: string;
    name: string;
    quantity: number;
    unitPrice: number;
    unitPriceCents: number;
  }>;
  totalAmount: number;
  totalAmountCents: number;
  createdAt: string;
  updatedAt: string;
}

export function reservationView(record: ReservationFields): ReservationView {
  const items = record.items.map((item) => ({
    productId: item.productId,
    name: item.name ?? '',
    quantity: item.quantity,
    unitPrice: fromCents(item.unitPriceCents ?? 0),
    unitPriceCents: item.unitPriceCents ?? 0,
  }));
  const totalAmountCents = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
  return {
    orderId: record._id,
    status: record.status,
    items,
    totalAmount: fromCents(totalAmountCents),
    totalAmountCents,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}
