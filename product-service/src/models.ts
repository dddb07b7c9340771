import { ensureIndexes } from '@ecom/service-kit';
import type { Connection } from 'mongoose';
import { type CategoryModel, categoryModel } from './categories/category-model';
import { type ReservationModel, reservationModel } from './inventory/reservation-model';
import { type ProductModel, productModel } from './products/product-model';

export interface Models {
  products: ProductModel;
  categories: CategoryModel;
  reservations: ReservationModel;
}

/** Compiles the models on a connection and waits until their indexes exist. */
export async function createModels(connection: Connection): Promise<Models> {
  const models = {
    products: productModel(connection),
    categories: categoryModel(connection),
    reservations: reservationModel(connection),
  };
  await ensureIndexes([models.products, models.categories, models.reservations]);
  return models;
}
