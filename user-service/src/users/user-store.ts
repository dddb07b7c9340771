import { isDuplicateKey, type Logger, type StorageMode } from '@ecom/service-kit';
import { type Connection, type Model, Schema, Types } from 'mongoose';
import type { User, UserDocument, UserModel } from './user-model';

export type NewUser = Pick<User, 'email' | 'name' | 'passwordHash' | 'role'>;

/** Users by email: the one lookup that is not by `_id`. */
export interface UserStore {
  /** Throws a duplicate-key error (isDuplicateKey) when the email is taken. */
  create(user: NewUser): Promise<UserDocument>;
  findByEmail(email: string): Promise<UserDocument | null>;
  /** Builds what lookups need from users created before (start-up; idempotent). */
  init(): Promise<void>;
}

/** MongoDB: the unique index on `email` serves the lookup and refuses a second account. */
function indexedUserStore(users: UserModel): UserStore {
  return {
    create: (user) => users.create(user),
    findByEmail: (email) => users.findOne({ email }),
    init: async () => undefined,
  };
}

interface EmailEntry {
  /** The normalised email. */
  _id: string;
  userId: Types.ObjectId;
}

const BACKFILLED = '#backfilled';

/**
 * FerretDB v1 evaluates a filter on `email` by reading every user (≈220 ms at 3,760 users, growing
 * linearly), so each email gets a document of its own keyed by `_id`, the one lookup it serves
 * from an index. Its insert is also what refuses a second account for the email.
 */
function lookupUserStore(users: UserModel, connection: Connection, logger: Logger): UserStore {
  const emails: Model<EmailEntry> =
    (connection.models.UserEmail as Model<EmailEntry> | undefined) ??
    connection.model<EmailEntry>(
      'UserEmail',
      new Schema<EmailEntry>(
        { _id: { type: String, required: true }, userId: { type: Schema.Types.ObjectId, required: true } },
        { versionKey: false, collection: 'user_emails' },
      ),
    );
  return {
    async create(user) {
      const userId = new Types.ObjectId();
      await emails.create({ _id: user.email, userId });
      try {
        return await users.create({ ...user, _id: userId });
      } catch (error) {
        await emails.deleteOne({ _id: user.email, userId }).catch((cause: unknown) => {
          logger.error({ err: cause, userId }, 'could not free the email of a user that was not created');
        });
        throw error;
      }
    },
    async findByEmail(email) {
      const entry = await emails.findById(email).lean();
      return entry ? users.findById(entry.userId) : null;
    },
    async init() {
      if (await emails.exists({ _id: BACKFILLED })) return;
      let added = 0;
      // Already complete (e.g. a seeding script wrote them): no need to try every user once more.
      const complete = (await emails.estimatedDocumentCount()) >= (await users.estimatedDocumentCount());
      if (!complete) await backfill();
      async function backfill() {
        for await (const user of users.find({}, { email: 1 }).lean().cursor()) {
          const created = await emails.create({ _id: user.email, userId: user._id }).then(
            () => true,
            (error: unknown) => {
              if (isDuplicateKey(error)) return false;
              throw error;
            },
          );
          if (created) added += 1;
        }
      }
      await emails.updateOne(
        { _id: BACKFILLED },
        { $set: { userId: new Types.ObjectId() } },
        { upsert: true },
      );
      if (added > 0) logger.info({ added }, 'email lookup documents built for existing users');
    },
  };
}

export function createUserStore(
  users: UserModel,
  connection: Connection,
  mode: StorageMode,
  logger: Logger,
): UserStore {
  return mode === 'mongodb' ? indexedUserStore(users) : lookupUserStore(users, connection, logger);
}
