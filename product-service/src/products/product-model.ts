import { type Connection, type InferSchemaType, type Model, Schema } from 'mongoose';

const productSchema = new Schema(
  {
    name: { type: String, required: true },
    description: { type: String, default: '' },
    priceCents: { type: Number, required: true, min: 0 },
    /** The category's canonical name, and its lowercase key that filters and the index use. */
    category: { type: String, required: true },
    categoryKey: { type: String, required: true },
    stock: { type: Number, required: true, min: 0 },
    sku: { type: String },
    isActive: { type: Boolean, default: true },
    /**
     * Orders whose reservation decremented this product and has not completed yet. Decrement and
     * record happen in one single-document update, so a crash between products leaves an exact
     * trace of what to put back. Emptied when the reservation completes.
     */
    holds: { type: [String], default: undefined },
    /** Orders whose release already restored this product's units; emptied when the release completes. */
    releases: { type: [String], default: undefined },
  },
  { timestamps: true, versionKey: false },
);

productSchema.index({ categoryKey: 1, priceCents: 1 });
productSchema.index({ createdAt: -1 });
productSchema.index({ name: 1 });
productSchema.index({ priceCents: 1 });
// Sparse: many products have no SKU, and those must not collide with each other.
productSchema.index({ sku: 1 }, { unique: true, sparse: true });

export type ProductFields = InferSchemaType<typeof productSchema>;
export type ProductModel = Model<ProductFields>;

export function productModel(connection: Connection): ProductModel {
  return connection.model<ProductFields>('Product', productSchema, 'products');
}
