/**
 * The user store's contract, for each storage mode. `mongodb` looks users up by the unique email
 * index; `ferretdb` keeps an `_id`-keyed document per email so nothing scans. Both refuse a second
 * account for one email, also when the requests race (an insert on a unique key is atomic on
 * every server).
 */
import { createLogger, isDuplicateKey } from '@ecom/service-kit';
import { describe, expect, it } from 'vitest';
import { createUserStore } from '../src/users/user-store';
import { newEmail, startUserService } from './support/user-service';

const logger = createLogger('user-store-test', 'silent');

describe.each(['ferretdb', 'mongodb'] as const)('user store, %s mode', (mode) => {
  it('when a user is created, then it is found by its email, and an unknown email finds nobody', async () => {
    const service = await startUserService({}, mode);
    try {
      const email = newEmail();
      const created = await service.userStore.create({
        email,
        name: 'A',
        passwordHash: 'x',
        role: 'customer',
      });
      expect((await service.userStore.findByEmail(email))?.id).toBe(created.id);
      expect(await service.userStore.findByEmail(newEmail())).toBeNull();
    } finally {
      await service.stop();
    }
  });

  it('when ten registrations of one email race, then exactly one account exists and the rest are duplicates', async () => {
    const service = await startUserService({}, mode);
    try {
      const email = newEmail();
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          service.userStore.create({ email, name: `N${i}`, passwordHash: 'x', role: 'customer' }),
        ),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const refused = results.filter((result) => result.status === 'rejected');
      expect(refused.every((result) => isDuplicateKey(result.reason))).toBe(true);
      expect(await service.users.countDocuments({ email })).toBe(1);
      expect(await service.userStore.findByEmail(email)).not.toBeNull();
    } finally {
      await service.stop();
    }
  });
});

describe('user store, ferretdb mode, users from before the lookup documents', () => {
  it('when the service starts on users that have no lookup document, then it builds them once and finds them', async () => {
    const service = await startUserService({}, 'mongodb');
    try {
      const email = newEmail();
      await service.userStore.create({ email, name: 'Old', passwordHash: 'x', role: 'customer' });
      const store = createUserStore(service.users, service.users.db, 'ferretdb', logger);
      expect(await store.findByEmail(email)).toBeNull();
      await store.init();
      expect((await store.findByEmail(email))?.email).toBe(email);
    } finally {
      await service.stop();
    }
  });
});
