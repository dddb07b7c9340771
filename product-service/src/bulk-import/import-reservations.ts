import { createLogger, inBatches } from '@ecom/service-kit';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { mergeItems } from '../inventory/inventory';
import { ProductsUnavailable, type UnavailableItem } from '../inventory/inventory-errors';
import { reservationRequestSchema } from '../inventory/inventory-schemas';
import type { ReservationFields, ReservedItem } from '../inventory/reservation-fields';
import { createStockStore } from '../inventory/stock-store';

export interface ReservationImport {
  /** An ObjectId, as order-service makes order ids (the reservation API takes no other). */
  orderId: string;
  items: Array<{ productId: string; quantity: number }>;
}

/**
 * The load tool's bulk import of reservations: each is stored as a successful POST
 * /inventory/reservations leaves it, status `reserved`, lines merged and sorted, each with the
 * product's name and unit price now. Only the take's `takenBy` is absent: no take call ran, so
 * no `holds` markers exist for it to own. Validated by the route's schema; the products must exist
 * and be active (ProductsUnavailable otherwise, before anything is written).
 *
 * The stock is NOT decremented: the load tool's products start with the stock that should remain
 * once these reservations exist (the units reserved are counted already). Releasing one gives its
 * units back, as for any reservation. Inserted in batches of ~1,000 (insertMany, ordered: false);
 * an order id that has a reservation already fails the import.
 */
export async function importReservations(
  connection: Connection,
  reservations: ReservationImport[],
): Promise<void> {
  const requests = z.array(reservationRequestSchema).parse(reservations);
  const stock = await createStockStore(connection, { logger: createLogger('product-import', 'warn') });

  const productIds = [...new Set(requests.flatMap(({ items }) => items.map((item) => item.productId)))];
  const products = new Map<string, { name: string; priceCents: number; isActive?: boolean | null }>();
  await inBatches(productIds, async (batch) => {
    const found = await stock.loadProducts(batch.map((productId) => ({ productId })));
    for (const [id, product] of found) products.set(id, product);
  });
  const unavailable = productIds.flatMap((productId): UnavailableItem[] => {
    const product = products.get(productId);
    if (!product) return [{ productId, reason: 'not_found' }];
    return product.isActive === false ? [{ productId, reason: 'inactive' }] : [];
  });
  if (unavailable.length > 0) throw new ProductsUnavailable(unavailable);

  const now = new Date();
  await stock.insertReserved(
    requests.map(({ orderId, items }): ReservationFields => ({
      _id: orderId,
      status: 'reserved',
      items: mergeItems(items).map((item): ReservedItem => {
        const product = products.get(item.productId)!;
        return { ...item, name: product.name, unitPriceCents: product.priceCents };
      }),
      createdAt: now,
      updatedAt: now,
    })),
  );
}
