import type { Connection } from 'mongoose';
import { type CategoryModel, categoryModel } from './categories/category-model';
import type { LockDocument } from './concurrency/document-locks';
import { type ReservationModel, reservationModel } from './inventory/reservation-model';
import { type ProductModel, productModel } from './products/product-model';

export interface Models {
  products: ProductModel;
  categories: CategoryModel;
  reservations: ReservationModel;
  locks: ReturnType<typeof lockCollection>;
}

function lockCollection(connection: Connection) {
  if (!connection.db) throw new Error('MongoDB connection is not open');
  return connection.db.collection<LockDocument>('inventory_locks');
}

/** Compiles the models on a connection and waits until their indexes exist. */
export async function createModels(connection: Connection): Promise<Models> {
  const models = {
    products: productModel(connection),
    categories: categoryModel(connection),
    reservations: reservationModel(connection),
    locks: lockCollection(connection),
  };
  await Promise.all([models.products.init(), models.categories.init(), models.reservations.init()]);
  return models;
}
