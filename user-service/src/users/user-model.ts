import { ROLES, type Role } from '@ecom/service-kit';
import { type Connection, type HydratedDocument, type Model, Schema } from 'mongoose';

export interface User {
  email: string;
  passwordHash: string;
  name: string;
  role: Role;
  createdAt: Date;
  updatedAt: Date;
}

export type UserDocument = HydratedDocument<User>;
export type UserModel = Model<User>;

const userSchema = new Schema<User>(
  {
    email: { type: String, required: true, unique: true, lowercase: true, trim: true },
    passwordHash: { type: String, required: true },
    name: { type: String, required: true, trim: true },
    role: { type: String, enum: ROLES, default: 'customer', required: true },
  },
  {
    timestamps: true,
    // The hash must never leave the service, whichever way a document gets serialised.
    toJSON: {
      transform: (_doc, ret: Record<string, unknown>) => {
        delete ret.passwordHash;
        return ret;
      },
    },
  },
);

/** Only the user store builds the model: every read and write of users goes through it. */
export function createUserModel(connection: Connection): UserModel {
  return connection.model<User>('User', userSchema);
}
