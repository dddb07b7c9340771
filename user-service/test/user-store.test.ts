/**
 * The user store's contract: users are found by email through its unique index, and that index is
 * what refuses a second account, also when sign-ups race from several service instances at once.
 */
import {
  mongoUrlFor,
  type PoolUsage,
  uniqueName,
  watchPoolUsage,
  watchTransactions,
} from '@ecom/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailTaken } from '../src/users/user-errors';
import {
  newEmail,
  startUserService,
  type UserServiceUnderTest,
  usersCollection,
} from './support/user-service';

const INSTANCES = 3;

/**
 * The unique index's answer, which the store names EmailTaken (E11000). DocumentDB checks unique indexes with exclusion constraints, and PostgreSQL
 * may settle racing inserts of one key by aborting one with "deadlock detected"; the store sends such
 * an insert again (two or three racers then end in E11000), but 60 racers on one key can pile up past
 * its three attempts. Either way nothing is written.
 */
const refusedByServer = (error: unknown) =>
  error instanceof EmailTaken || /deadlock detected/.test((error as Error).message);

describe('the user store', () => {
  const instances: UserServiceUnderTest[] = [];
  const transactions = watchTransactions();
  let pools: PoolUsage;

  beforeAll(async () => {
    // Several instances on one database, each with its own pool, as replicas of the service would be.
    const env = { MONGODB_URL: mongoUrlFor(uniqueName('users_')), MONGO_POOL_SIZE: '20' };
    // Together, as replicas start: their index builds race on one collection (see ensureIndexes).
    instances.push(...(await Promise.all(Array.from({ length: INSTANCES }, () => startUserService(env)))));
    pools = watchPoolUsage(instances.map((instance) => instance.connection.getClient()));
  });

  afterAll(async () => {
    transactions.restore();
    await instances[0]?.connection.dropDatabase().catch(() => undefined);
    await Promise.all(instances.map((instance) => instance.stop()));
  });

  it('when a user is created, then it is found by its email, and an unknown email finds nobody', async () => {
    const [one, two] = instances;
    const email = newEmail();
    const created = await one!.userStore.create({ email, name: 'A', passwordHash: 'x', role: 'customer' });
    expect((await two!.userStore.findByEmail(email))?.id).toBe(created.id);
    expect(await two!.userStore.findByEmail(newEmail())).toBeNull();
  });

  // A check-then-insert (findByEmail, then create) without the unique index would let several
  // racers find no account and each insert one: the count of accounts per email would pass 1.
  it('when 60 registrations of each of 5 emails race over three instances, then each email has exactly one account', async () => {
    const emails = Array.from({ length: 5 }, () => newEmail());
    const attempts = emails.flatMap((email) => Array.from({ length: 60 }, () => email));

    const results = await Promise.allSettled(
      attempts.map((email, i) =>
        instances[i % INSTANCES]!.userStore.create({
          email,
          name: `N${i}`,
          passwordHash: 'x',
          role: 'customer',
        }),
      ),
    );

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(emails.length);
    const refused = results.filter((result) => result.status === 'rejected');
    expect(refused.every((result) => refusedByServer(result.reason))).toBe(true);
    for (const email of emails)
      expect(await usersCollection(instances[0]!).countDocuments({ email })).toBe(1);
    // 300 racers on 5 keys settle through the server's lock waits: slow on a loaded machine, and it
    // is their outcome, not their speed, that is checked here.
  }, 120_000);

  it('when the races ran, then at least 20 connections carried them and no session or transaction was opened', () => {
    expect(pools.connectionsUsed()).toBeGreaterThanOrEqual(20);
    expect(transactions.calls).toEqual([]);
  });
});
