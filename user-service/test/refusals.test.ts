/**
 * The exact answer of every refusal below the routes: status, message, no details, and the headers
 * a client acts on (WWW-Authenticate on a 401, Retry-After on a 503).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  newEmail,
  register,
  startUserService,
  useUserService,
  type UserServiceUnderTest,
  usersCollection,
} from './support/user-service';

let service: UserServiceUnderTest;
useUserService((started) => (service = started));

function expectRefusal(
  response: request.Response,
  status: number,
  error: string,
  headers: Record<string, string> = {},
) {
  expect(response.status).toBe(status);
  expect(response.body).toMatchObject({ status, error, requestId: expect.any(String) });
  expect(response.body).not.toHaveProperty('details');
  for (const [name, value] of Object.entries(headers)) expect(response.headers[name], name).toBe(value);
  if (!('www-authenticate' in headers)) expect(response.headers).not.toHaveProperty('www-authenticate');
  if (!('retry-after' in headers)) expect(response.headers).not.toHaveProperty('retry-after');
}

const bearer = { 'www-authenticate': 'Bearer' };

/** An account removed behind the service's back (as an operator would), its tokens still live. */
async function deleteAccount(email: string) {
  await usersCollection(service).deleteOne({ email });
}

describe('refusals of sign-up and login', () => {
  it('when the email is taken, then 409 saying so', async () => {
    const { email } = await register(service.app);
    const response = await request(service.app)
      .post('/auth/register')
      .send({ email, password: 'password123', name: 'Copy' });
    expectRefusal(response, 409, 'An account with this email already exists');
  });

  it('when the password is wrong, then 401 with WWW-Authenticate: Bearer', async () => {
    const { email } = await register(service.app);
    const response = await request(service.app).post('/auth/login').send({ email, password: 'wrong-one' });
    expectRefusal(response, 401, 'Invalid email or password', bearer);
  });
});

describe('refusals of a refresh', () => {
  it('when the token is unknown, then 401 with WWW-Authenticate: Bearer', async () => {
    const response = await request(service.app).post('/auth/refresh').send({ refreshToken: 'not-a-token' });
    expectRefusal(response, 401, 'Invalid or expired refresh token', bearer);
  });

  it('when the token was already spent, then the same 401', async () => {
    const session = await register(service.app);
    await request(service.app).post('/auth/refresh').send({ refreshToken: session.refreshToken }).expect(200);
    const response = await request(service.app)
      .post('/auth/refresh')
      .send({ refreshToken: session.refreshToken });
    expectRefusal(response, 401, 'Invalid or expired refresh token', bearer);
  });

  it("when the token's account is gone, then the same 401", async () => {
    const session = await register(service.app);
    await deleteAccount(session.email);
    const response = await request(service.app)
      .post('/auth/refresh')
      .send({ refreshToken: session.refreshToken });
    expectRefusal(response, 401, 'Invalid or expired refresh token', bearer);
  });
});

describe('refusals of the profile', () => {
  it('when the current password is wrong, then 403 saying so', async () => {
    const session = await register(service.app);
    const response = await request(service.app)
      .put('/auth/profile')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ password: 'new-password-1', currentPassword: 'not-it-at-all' });
    expectRefusal(response, 403, 'Current password is incorrect');
  });

  it('when the signed-in account is gone, then 404 on reading and on changing it', async () => {
    const session = await register(service.app);
    await deleteAccount(session.email);
    const auth = `Bearer ${session.accessToken}`;
    expectRefusal(
      await request(service.app).get('/auth/profile').set('Authorization', auth),
      404,
      'User not found',
    );
    expectRefusal(
      await request(service.app).put('/auth/profile').set('Authorization', auth).send({ name: 'Ghost' }),
      404,
      'User not found',
    );
  });
});

describe('when the session store (Redis) is unreachable', () => {
  let cut: UserServiceUnderTest;
  beforeAll(async () => {
    cut = await startUserService();
  });
  afterAll(() => cut.stop());

  it('then a refresh and a login answer 503 with Retry-After: 5', async () => {
    const session = await register(cut.app);
    cut.redis.disconnect();
    expectRefusal(
      await request(cut.app).post('/auth/refresh').send({ refreshToken: session.refreshToken }),
      503,
      'Session store unavailable, try again shortly',
      { 'retry-after': '5' },
    );
    expectRefusal(
      await request(cut.app).post('/auth/login').send({ email: session.email, password: session.password }),
      503,
      'Session store unavailable, try again shortly',
      { 'retry-after': '5' },
    );
  });
});

describe('when the password hashing queue is full', () => {
  let busy: UserServiceUnderTest;
  beforeAll(async () => {
    // Cost 10 takes tens of milliseconds; a 1 ms bound refuses whoever queues behind a running hash.
    busy = await startUserService({
      BCRYPT_ROUNDS: '10',
      BCRYPT_CONCURRENCY: '1',
      BCRYPT_QUEUE_MAX_WAIT_MS: '1',
    });
  });
  afterAll(() => busy.stop());

  it('then the sign-ups that would wait answer 503 with Retry-After', async () => {
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        request(busy.app)
          .post('/auth/register')
          .send({ email: newEmail(), password: 'password123', name: 'X' }),
      ),
    );
    expect(answers.every((answer) => [201, 503].includes(answer.status))).toBe(true);
    const refused = answers.filter((answer) => answer.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expectRefusal(answer, 503, 'Too many sign-ups and logins at the moment; retry shortly', {
        'retry-after': '1',
      });
    }
  });
});
