import { type Connection, type InferSchemaType, type Model, Schema } from 'mongoose';

const categorySchema = new Schema(
  {
    name: { type: String, required: true },
    /** Lowercased name: uniqueness is case-insensitive, and its unique index serves lookups by name. */
    nameKey: { type: String, required: true, unique: true },
    description: { type: String, default: '' },
  },
  { timestamps: true, versionKey: false },
);

export type CategoryFields = InferSchemaType<typeof categorySchema>;
export type CategoryModel = Model<CategoryFields>;

export function categoryModel(connection: Connection): CategoryModel {
  return connection.model<CategoryFields>('Category', categorySchema, 'categories');
}
