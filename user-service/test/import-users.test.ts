import { hashPassword, importUsers } from '@ecom/user-service';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { EmailTaken } from '../src/users/user-errors';
import { newEmail, useUserService, type UserServiceUnderTest } from './support/user-service';

let service: UserServiceUnderTest;
useUserService((started) => (service = started));

describe('importUsers (the load tool preload)', () => {
  it('when accounts are imported with one shared hash, then each logs in and reads its profile as after a sign-up', async () => {
    const passwordHash = await hashPassword('preload-password-1', 4);
    const emails = [newEmail(), newEmail(), newEmail()];
    const { userIds } = await importUsers(service.connection, [
      { email: `  ${emails[0]!.toUpperCase()} `, name: 'First', passwordHash },
      { email: emails[1]!, name: 'Second', passwordHash },
      { email: emails[2]!, name: 'Third', passwordHash, role: 'admin' },
    ]);
    expect(userIds).toHaveLength(3);

    const roles = ['customer', 'customer', 'admin'];
    for (const [n, email] of emails.entries()) {
      const login = await request(service.app)
        .post('/auth/login')
        .send({ email, password: 'preload-password-1' });
      expect(login.status).toBe(200);
      expect(login.body.user).toMatchObject({ id: userIds[n], email, role: roles[n] });
      const profile = await request(service.app)
        .get('/auth/profile')
        .set('Authorization', `Bearer ${login.body.accessToken}`);
      expect(profile.status).toBe(200);
      expect(profile.body.user).toEqual({
        id: userIds[n],
        email,
        name: ['First', 'Second', 'Third'][n],
        role: roles[n],
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
    }
  });

  it('when more accounts than one batch are imported, then all are stored, in the order given', async () => {
    const passwordHash = await hashPassword('preload-password-1', 4);
    const users = Array.from({ length: 1_005 }, (_, n) => ({
      email: newEmail(),
      name: `Bulk ${n}`,
      passwordHash,
    }));
    const { userIds } = await importUsers(service.connection, users);
    expect(userIds).toHaveLength(1_005);
    expect(new Set(userIds).size).toBe(1_005);
    const last = await service.userStore.byId(userIds[1_004]!);
    expect(last?.email).toBe(users[1_004]!.email);
  });

  it('when an email is already taken, then the import is refused with EmailTaken', async () => {
    const passwordHash = await hashPassword('preload-password-1', 4);
    const email = newEmail();
    await importUsers(service.connection, [{ email, name: 'Once', passwordHash }]);
    await expect(
      importUsers(service.connection, [{ email: email.toUpperCase(), name: 'Twice', passwordHash }]),
    ).rejects.toBeInstanceOf(EmailTaken);
  });
});
