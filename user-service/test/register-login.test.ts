import { createPublicKey } from 'node:crypto';
import { jwtVerify } from 'jose';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  newEmail,
  register,
  useUserService,
  type UserServiceUnderTest,
  usersCollection,
} from './support/user-service';

let service: UserServiceUnderTest;
useUserService((started) => (service = started));

function expectErrorShape(body: Record<string, unknown>, status: number) {
  expect(body).toMatchObject({ status, error: expect.any(String), requestId: expect.any(String) });
  expect(new Date(body.timestamp as string).toISOString()).toBe(body.timestamp);
  expect(body).not.toHaveProperty('stack');
}

describe('POST /auth/register', () => {
  it('creates a customer account, returns tokens and never the password hash', async () => {
    const email = newEmail();
    const response = await request(service.app)
      .post('/auth/register')
      .send({ email: `  ${email.toUpperCase()} `, password: 'password123', name: 'Ada' });

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      user: { id: expect.any(String), email, name: 'Ada', role: 'customer' },
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    expect(JSON.stringify(response.body)).not.toContain('passwordHash');
    const stored = await service.userStore.findByEmail(email);
    expect(stored?.passwordHash).toMatch(/^\$2[aby]\$04\$/);
    expect(JSON.stringify(stored?.toJSON())).not.toContain('passwordHash');
  });

  it('issues an EdDSA access token, named by a kid its JWKS publishes, with sub, email, role, issuer and audience', async () => {
    const { accessToken, user, email } = await register(service.app);
    const jwks = await request(service.app).get('/.well-known/jwks.json').expect(200);
    expect(jwks.body.keys).toHaveLength(1);
    const [published] = jwks.body.keys as Array<Record<string, string>>;
    expect(published).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: expect.any(String),
      kid: expect.any(String),
      alg: 'EdDSA',
      use: 'sig',
    });
    const { payload, protectedHeader } = await jwtVerify(
      accessToken,
      createPublicKey({ key: published!, format: 'jwk' }),
      {
        algorithms: ['EdDSA'],
        issuer: 'ecommerce-user-service',
        audience: 'ecommerce-api',
      },
    );
    expect(protectedHeader).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: published!.kid });
    expect(payload).toMatchObject({ sub: user.id, email, role: 'customer' });
    expect(payload.exp! - payload.iat!).toBe(900);
  });

  it('when the email is already registered (in any case), then 409', async () => {
    const { email } = await register(service.app);
    const response = await request(service.app)
      .post('/auth/register')
      .send({ email: email.toUpperCase(), password: 'password123', name: 'Copy' });
    expect(response.status).toBe(409);
    expectErrorShape(response.body, 409);
    expect(await usersCollection(service).countDocuments({ email })).toBe(1);
  });

  it('when the password is shorter than 8 characters, then 400 naming the field', async () => {
    const response = await request(service.app)
      .post('/auth/register')
      .send({ email: newEmail(), password: 'short', name: 'X' });
    expect(response.status).toBe(400);
    expectErrorShape(response.body, 400);
    expect(response.body.details).toEqual([expect.objectContaining({ path: 'password' })]);
  });

  it('when the password is over 72 UTF-8 bytes though under 72 characters, then 400 (bcrypt would ignore the rest)', async () => {
    // 25 euro signs are 75 bytes: two such passwords differing after byte 72 would both log in.
    const tooLong = await request(service.app)
      .post('/auth/register')
      .send({ email: newEmail(), password: '€'.repeat(25), name: 'X' });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.details).toEqual([expect.objectContaining({ path: 'password' })]);

    const email = newEmail();
    const fits = await request(service.app)
      .post('/auth/register')
      .send({ email, password: '€'.repeat(24), name: 'X' });
    expect(fits.status).toBe(201);
    const login = await request(service.app)
      .post('/auth/login')
      .send({ email, password: '€'.repeat(23) + 'e' });
    expect(login.status).toBe(401);
  });

  it('when the body has unknown keys (such as a role), then 400 and nothing is stored', async () => {
    const email = newEmail();
    const response = await request(service.app)
      .post('/auth/register')
      .send({ email, password: 'password123', name: 'Mallory', role: 'admin' });
    expect(response.status).toBe(400);
    expect(await usersCollection(service).countDocuments({ email })).toBe(0);
  });

  it('when the email is not an email, then 400', async () => {
    const response = await request(service.app)
      .post('/auth/register')
      .send({ email: 'nope', password: 'password123', name: 'X' });
    expect(response.status).toBe(400);
    expect(response.body.details[0].path).toBe('email');
  });
});

describe('POST /auth/login', () => {
  it('returns a new token pair for the right password', async () => {
    const { email, password, user } = await register(service.app);
    const response = await request(service.app)
      .post('/auth/login')
      .send({ email: email.toUpperCase(), password });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ user: { id: user.id, email }, accessToken: expect.any(String) });
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const { email } = await register(service.app);
    const wrongPassword = await request(service.app)
      .post('/auth/login')
      .send({ email, password: 'wrong-password' });
    const unknownEmail = await request(service.app)
      .post('/auth/login')
      .send({ email: newEmail(), password: 'wrong-password' });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(wrongPassword.body.error).toBe(unknownEmail.body.error);
    expectErrorShape(wrongPassword.body, 401);
  });

  it('refuses operator objects in place of strings with 400 before any query', async () => {
    const response = await request(service.app)
      .post('/auth/login')
      .send({ email: { $gt: '' }, password: { $gt: '' } });
    expect(response.status).toBe(400);
    expect(response.body.details.map((detail: { path: string }) => detail.path).sort()).toEqual([
      'email',
      'password',
    ]);
  });

  it('counts successful and failed logins in the metrics', async () => {
    const { email, password } = await register(service.app);
    await request(service.app).post('/auth/login').send({ email, password });
    await request(service.app).post('/auth/login').send({ email, password: 'bad-password' });
    const metrics = await request(service.app).get('/metrics');
    expect(metrics.text).toMatch(/user_logins_total\{outcome="success",service="user-service"\} [1-9]/);
    expect(metrics.text).toMatch(/user_logins_total\{outcome="failure",service="user-service"\} [1-9]/);
    expect(metrics.text).toMatch(/user_registrations_total\{service="user-service"\} [1-9]/);
  });
});
