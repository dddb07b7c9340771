import { type Connection, type InferSchemaType, type Model, Schema } from 'mongoose';

/** Units one take call holds on a product for an order (see StockStore). */
const holdSchema = new Schema(
  {
    orderId: { type: String, required: true },
    /** The take call that holds them: only that call's marker is ever removed without the units. */
    call: { type: String, required: true },
    quantity: { type: Number, required: true },
    /** When they were taken: crash recovery waits a grace period before presuming the call dead. */
    at: { type: Date, required: true },
  },
  { _id: false },
);

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
     * Units taken by a reservation call, recorded by the same single-document update that
     * decrements the stock, so a crash leaves an exact trace of what to put back. Removed in
     * batches once the reservation exists (the sweep), or put back with the units.
     */
    holds: { type: [holdSchema], default: undefined },
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
// Multikey: a release or the crash recovery finds the products an order holds units on.
productSchema.index({ 'holds.orderId': 1 });

export type ProductFields = InferSchemaType<typeof productSchema>;
export type ProductModel = Model<ProductFields>;

export function productModel(connection: Connection): ProductModel {
  return connection.model<ProductFields>('Product', productSchema, 'products');
}
