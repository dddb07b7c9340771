import type { Types } from 'mongoose';
import { fromCents } from '@ecom/service-kit';
import type { ProductView } from './product-schemas';

export type { ProductView } from './product-schemas';

/** What a lean product read returns (internal fields such as holds are never selected). */
export interface ProductRecord {
  _id: Types.ObjectId;
  name: string;
  description?: string | null;
  priceCents: number;
  category: string;
  stock: number;
  sku?: string | null;
  isActive?: boolean | null;
  createdAt: Date;
  updatedAt: Date;
}

export function productView(record: ProductRecord): ProductView {
  const view: ProductView = {
    id: record._id.toString(),
    name: record.name,
    description: record.description ?? '',
    price: fromCents(record.priceCents),
    category: record.category,
    stock: record.stock,
    isActive: record.isActive ?? true,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
  if (record.sku) view.sku = record.sku;
  return view;
}
