import { createLogger } from '@ecom/service-kit';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../src/auth/passwords';
import { ensureAdminAccount } from '../src/users/admin-bootstrap';
import { newEmail, register, startUserService, type UserServiceUnderTest } from './harness';

let service: UserServiceUnderTest;
beforeAll(async () => {
  service = await startUserService();
});
afterAll(() => service.close());

const logger = createLogger('test', 'silent');
const passwords = createPasswordHasher(4);

describe('admin bootstrap', () => {
  it('creates the admin once even when several replicas start at the same moment', async () => {
    const admin = { email: newEmail(), password: 'admin-password', name: 'Admin' };
    await Promise.all(
      [1, 2, 3, 4].map(() => ensureAdminAccount(service.users, service.userStore, passwords, admin, logger)),
    );
    await ensureAdminAccount(service.users, service.userStore, passwords, admin, logger);

    expect(await service.users.countDocuments({ email: admin.email })).toBe(1);
    const login = await request(service.app)
      .post('/auth/login')
      .send({ email: admin.email, password: admin.password });
    expect(login.status).toBe(200);
    expect(login.body.user.role).toBe('admin');
  });

  it('promotes an existing customer account to admin without changing its password', async () => {
    const customer = await register(service.app);
    await ensureAdminAccount(
      service.users,
      service.userStore,
      passwords,
      { email: customer.email, password: 'some-other-password', name: 'Admin' },
      logger,
    );
    const login = await request(service.app)
      .post('/auth/login')
      .send({ email: customer.email, password: customer.password });
    expect(login.body.user.role).toBe('admin');
  });
});
