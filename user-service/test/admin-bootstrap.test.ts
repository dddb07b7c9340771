import { createLogger } from '@ecom/service-kit';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../src/auth/passwords';
import { ensureAdminAccount } from '../src/users/admin-bootstrap';
import {
  newEmail,
  register,
  useUserService,
  type UserServiceUnderTest,
  usersCollection,
} from './support/user-service';

let service: UserServiceUnderTest;
useUserService((started) => (service = started));

const logger = createLogger('test', 'silent');
const passwords = createPasswordHasher(4);

describe('admin bootstrap', () => {
  it('creates the admin once even when several replicas start at the same moment', async () => {
    const admin = { email: newEmail(), password: 'admin-password', name: 'Admin' };
    await Promise.all(
      [1, 2, 3, 4].map(() => ensureAdminAccount(service.userStore, passwords, admin, logger)),
    );
    await ensureAdminAccount(service.userStore, passwords, admin, logger);

    expect(await usersCollection(service).countDocuments({ email: admin.email })).toBe(1);
    const login = await request(service.app)
      .post('/auth/login')
      .send({ email: admin.email, password: admin.password });
    expect(login.status).toBe(200);
    expect(login.body.user.role).toBe('admin');
  });

  it('when the admin address belongs to a customer, then start-up is refused and the customer stays a customer', async () => {
    const customer = await register(service.app);
    await expect(
      ensureAdminAccount(
        service.userStore,
        passwords,
        { email: customer.email.toUpperCase(), password: 'some-other-password', name: 'Admin' },
        logger,
      ),
    ).rejects.toThrow(/ADMIN_EMAIL .* belongs to an existing non-admin account/);

    const login = await request(service.app)
      .post('/auth/login')
      .send({ email: customer.email, password: customer.password });
    expect(login.status).toBe(200);
    expect(login.body.user.role).toBe('customer');
  });

  it('when the admin already exists, then its password is left alone', async () => {
    const admin = { email: newEmail(), password: 'admin-password', name: 'Admin' };
    await ensureAdminAccount(service.userStore, passwords, admin, logger);
    await ensureAdminAccount(
      service.userStore,
      passwords,
      { ...admin, password: 'another-password' },
      logger,
    );

    const login = await request(service.app)
      .post('/auth/login')
      .send({ email: admin.email, password: admin.password });
    expect(login.status).toBe(200);
    expect(login.body.user.role).toBe('admin');
  });
});
