import { forgedTokens } from '@ecom/test-support';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { register, useUserService, type UserServiceUnderTest } from './support/user-service';

let service: UserServiceUnderTest;
useUserService((started) => (service = started));

const refresh = (refreshToken: string) => request(service.app).post('/auth/refresh').send({ refreshToken });

describe('POST /auth/refresh', () => {
  it('rotates the refresh token: the new pair works and the old token is refused', async () => {
    const session = await register(service.app);
    const rotated = await refresh(session.refreshToken);
    expect(rotated.status).toBe(200);
    expect(rotated.body.refreshToken).not.toBe(session.refreshToken);
    expect(rotated.body.user.id).toBe(session.user.id);

    const reused = await refresh(session.refreshToken);
    expect(reused.status).toBe(401);
  });

  it('when a rotated token is replayed, then every refresh token of that user is revoked', async () => {
    const session = await register(service.app);
    const rotated = await refresh(session.refreshToken);
    await refresh(session.refreshToken);

    const afterTheft = await refresh(rotated.body.refreshToken);
    expect(afterTheft.status).toBe(401);
  });

  it("when one token is refreshed 15 times at once, then at most one succeeds and all the user's tokens are revoked", async () => {
    const session = await register(service.app);
    const otherDevice = await request(service.app)
      .post('/auth/login')
      .send({ email: session.email, password: session.password });
    expect(otherDevice.status).toBe(200);

    const answers = await Promise.all(Array.from({ length: 15 }, () => refresh(session.refreshToken)));
    const succeeded = answers.filter((answer) => answer.status === 200);
    expect(succeeded.length).toBeLessThanOrEqual(1);
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(15 - succeeded.length);

    // The reuse is detected whichever request lost: the winner's new token and the other session die too.
    for (const winner of succeeded) expect((await refresh(winner.body.refreshToken)).status).toBe(401);
    expect((await refresh(otherDevice.body.refreshToken)).status).toBe(401);
  });

  it('stores only a hash of the refresh token, expiring after 24 hours', async () => {
    const session = await register(service.app);
    const keys = await service.redis.keys(`${service.redis.options.keyPrefix}refresh:*`);
    expect(keys.some((key) => key.includes(session.refreshToken))).toBe(false);
    const key = keys[0]!.slice(service.redis.options.keyPrefix!.length);
    const ttl = await service.redis.ttl(key);
    expect(ttl).toBeGreaterThan(24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(24 * 3600);
  });

  it('refuses an unknown token with 401 and a malformed body with 400', async () => {
    expect((await refresh('not-a-token')).status).toBe(401);
    const malformed = await request(service.app).post('/auth/refresh').send({ refreshToken: 42 });
    expect(malformed.status).toBe(400);
  });
});

describe('POST /auth/logout', () => {
  it('revokes the refresh token, and is idempotent', async () => {
    const session = await register(service.app);
    const logout = await request(service.app)
      .post('/auth/logout')
      .send({ refreshToken: session.refreshToken });
    expect(logout.status).toBe(204);
    expect((await refresh(session.refreshToken)).status).toBe(401);
    const again = await request(service.app)
      .post('/auth/logout')
      .send({ refreshToken: session.refreshToken });
    expect(again.status).toBe(204);
  });
});

describe('GET /auth/profile', () => {
  it('returns the signed-in user without the password hash', async () => {
    const session = await register(service.app);
    const response = await request(service.app)
      .get('/auth/profile')
      .set('Authorization', `Bearer ${session.accessToken}`);
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ id: session.user.id, email: session.email, role: 'customer' });
    expect(JSON.stringify(response.body)).not.toContain('password');
  });

  it.each([
    ['no token', undefined],
    ['a malformed token', 'Bearer nonsense'],
  ])('with %s, then 401 in the error shape', async (_label, header) => {
    const call = request(service.app).get('/auth/profile');
    const response = await (header ? call.set('Authorization', header) : call);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ status: 401, error: expect.any(String) });
  });

  it('with any token not signed by its own current or previous key as issued, then 401', async () => {
    const session = await register(service.app);
    const { kid, key, privateKey } = service.config.signingKeys.signing;
    const claims = { sub: session.user.id, email: session.email, role: 'admin' as const };
    for (const [attack, token] of Object.entries(forgedTokens({ kid, publicKey: key, privateKey }, claims))) {
      const response = await request(service.app)
        .get('/auth/profile')
        .set('Authorization', `Bearer ${token}`);
      expect(response.status, attack).toBe(401);
    }
  });

  it('with an expired token, then 401 saying it expired', async () => {
    const session = await register(service.app);
    const { kid, key, privateKey } = service.config.signingKeys.signing;
    const claims = { sub: session.user.id, email: session.email, role: 'customer' as const };
    const expired = forgedTokens({ kid, publicKey: key, privateKey }, claims).expired!;
    const response = await request(service.app)
      .get('/auth/profile')
      .set('Authorization', `Bearer ${expired}`);
    expect(response.status).toBe(401);
    expect(response.body.error).toMatch(/expired/i);
  });
});

describe('PUT /auth/profile', () => {
  it('changes the name', async () => {
    const session = await register(service.app);
    const response = await request(service.app)
      .put('/auth/profile')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ name: 'Grace Hopper' });
    expect(response.status).toBe(200);
    expect(response.body.user.name).toBe('Grace Hopper');
    expect((await service.userStore.byId(session.user.id))?.name).toBe('Grace Hopper');
  });

  it('changes the password only with the right current password, and ends other sessions', async () => {
    const session = await register(service.app);
    const auth = `Bearer ${session.accessToken}`;
    const withoutCurrent = await request(service.app)
      .put('/auth/profile')
      .set('Authorization', auth)
      .send({ password: 'new-password-1' });
    expect(withoutCurrent.status).toBe(400);

    const wrongCurrent = await request(service.app)
      .put('/auth/profile')
      .set('Authorization', auth)
      .send({ password: 'new-password-1', currentPassword: 'not-it-at-all' });
    expect(wrongCurrent.status).toBe(403);

    const changed = await request(service.app)
      .put('/auth/profile')
      .set('Authorization', auth)
      .send({ password: 'new-password-1', currentPassword: session.password });
    expect(changed.status).toBe(200);

    const oldLogin = await request(service.app)
      .post('/auth/login')
      .send({ email: session.email, password: session.password });
    expect(oldLogin.status).toBe(401);
    const newLogin = await request(service.app)
      .post('/auth/login')
      .send({ email: session.email, password: 'new-password-1' });
    expect(newLogin.status).toBe(200);
    expect((await refresh(session.refreshToken)).status).toBe(401);
  });

  it('refuses an empty update and a role change with 400', async () => {
    const session = await register(service.app);
    const auth = `Bearer ${session.accessToken}`;
    expect((await request(service.app).put('/auth/profile').set('Authorization', auth).send({})).status).toBe(
      400,
    );
    const escalate = await request(service.app)
      .put('/auth/profile')
      .set('Authorization', auth)
      .send({ role: 'admin' });
    expect(escalate.status).toBe(400);
    expect((await service.userStore.byId(session.user.id))?.role).toBe('customer');
  });
});
