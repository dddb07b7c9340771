/**
 * The rotation procedure of docs/docker-and-monitoring.md, run under load against two real
 * user-service replicas behind a real gateway that verifies with keys fetched from user-service's
 * JWKS: announce a key, switch signing to it, drop the old one, each step a rolling restart.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AuthUser,
  createAccessTokenSigner,
  generateSigningJwk,
  parseSigningKeys,
  type PrivateJwk,
} from '@ecom/service-kit';
import { findFreePort, mongoUrlFor, redisUrl, uniqueName } from '@ecom/test-support';
import { createUserService, loadUserServiceConfig, type UserService } from '@ecom/user-service';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from './support/gateway';
import { StubUpstream } from './support/stub-upstream';

const TOKEN_LIFETIME_S = 2;
const REFRESH_MS = 500;

const database = uniqueName('users_rotation_');
const redisKeyPrefix = `${uniqueName('rot')}:`;
const keysJson = (keys: PrivateJwk[]) => JSON.stringify({ keys });

async function startReplica(port: number, keys: PrivateJwk[], signingKid?: string): Promise<UserService> {
  const config = loadUserServiceConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: String(port),
    BCRYPT_ROUNDS: '4',
    MONGODB_URL: mongoUrlFor(database),
    REDIS_URL: redisUrl(),
    JWT_EXPIRES_IN: String(TOKEN_LIFETIME_S),
    JWT_SIGNING_KEYS: keysJson(keys),
    ...(signingKid ? { JWT_SIGNING_KID: signingKid } : {}),
    // Long enough for the gateway (probing every 50 ms) to stop sending before the port closes.
    SHUTDOWN_DRAIN_DELAY_MS: '300',
  });
  const service = await createUserService(config, { redisKeyPrefix });
  await service.start();
  return service;
}

const opened: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of opened.reverse()) await close();
});

describe('rotating the signing key under load', () => {
  it('announce, switch and drop with rolling restarts: no request fails, and the dropped key no longer verifies', async () => {
    const oldKey = generateSigningJwk();
    const newKey = generateSigningJwk();
    const ports = [await findFreePort(), await findFreePort()];
    const replicas = [await startReplica(ports[0]!, [oldKey]), await startReplica(ports[1]!, [oldKey])];
    opened.push(async () => Promise.all(replicas.map((replica) => replica.stop())));
    const other = await StubUpstream.start();
    opened.push(() => other.stop());
    const gateway: TestGateway = await createTestGateway({
      USER_SERVICE_URL: ports.map((port) => `http://127.0.0.1:${port}`).join(','),
      PRODUCT_SERVICE_URL: other.url,
      ORDER_SERVICE_URL: other.url,
      UPSTREAM_PROBE_MS: '50',
      JWT_PUBLIC_KEYS: undefined,
      JWT_JWKS_URL: ports.map((port) => `http://127.0.0.1:${port}/.well-known/jwks.json`).join(','),
      JWT_JWKS_REFRESH_MS: String(Math.max(REFRESH_MS, 1_000)),
      JWT_JWKS_COOLDOWN_MS: '100',
      AUTH_RATE_LIMIT_MAX: '100000',
      RATE_LIMIT_MAX: '100000',
    });
    opened.push(() => gateway.close());

    const account = { email: `${uniqueName('rot')}@example.com`, password: 'correct horse', name: 'Rot' };
    await request(gateway.app).post('/api/auth/register').send(account).expect(201);

    // Clients sign in and read their profile through the gateway (which verifies the token, as
    // user-service does again) until stopped; every answer must be a 200.
    const failures: string[] = [];
    const kids = new Set<string>();
    let completed = 0;
    let running = true;
    const client = async () => {
      while (running) {
        const login = await request(gateway.app)
          .post('/api/auth/login')
          .send({ email: account.email, password: account.password });
        if (login.status !== 200) {
          failures.push(`login ${login.status} ${JSON.stringify(login.body)}`);
          continue;
        }
        const token = login.body.accessToken as string;
        kids.add(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid);
        const profile = await request(gateway.app)
          .get('/api/auth/profile')
          .set('Authorization', `Bearer ${token}`);
        if (profile.status !== 200)
          failures.push(`profile ${profile.status} ${JSON.stringify(profile.body)}`);
        completed += 1;
      }
    };
    const clients = Array.from({ length: 3 }, client);

    const rollOut = async (keys: PrivateJwk[], signingKid?: string) => {
      for (const [index, port] of ports.entries()) {
        await replicas[index]!.stop();
        replicas[index] = await startReplica(port, keys, signingKid);
        await sleep(200);
      }
    };

    await sleep(300);
    await rollOut([oldKey, newKey]); // 1. announce: both published, the old one signs
    await sleep(REFRESH_MS * 3); // 2. every verifier has fetched the new key
    await rollOut([oldKey, newKey], newKey.kid); // 3. switch: the new one signs
    await sleep((TOKEN_LIFETIME_S + 1) * 1_000); // 4. every token of the old key has expired
    const oldSigned = createAccessTokenSigner(parseSigningKeys(keysJson([oldKey])), {
      issuer: 'ecommerce-user-service',
      audience: 'ecommerce-api',
      expiresInSeconds: 600,
    });
    const user: AuthUser = { id: '64b000000000000000000001', email: account.email, role: 'customer' };
    await rollOut([newKey]); // 5. drop
    await sleep(1_500); // the gateway's next refresh forgets the old key
    running = false;
    await Promise.all(clients);

    expect(failures).toEqual([]);
    expect(completed).toBeGreaterThan(30);
    expect([...kids].sort()).toEqual([oldKey.kid, newKey.kid].sort());
    const refused = await request(gateway.app)
      .get('/api/orders')
      .set('Authorization', `Bearer ${oldSigned.sign(user)}`);
    expect(refused.status).toBe(401);
  }, 60_000);
});
