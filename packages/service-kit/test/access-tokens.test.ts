import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forgedTokens } from '@ecom/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthUser,
  createAccessTokenSigner,
  createAccessTokenVerifier,
  generateSigningJwk,
  generateSigningKeys,
  HttpError,
  parseSigningKeys,
  publicJwks,
  remoteKeySource,
  signingKeysJson,
  staticKeySource,
} from '../src';

const audience = { issuer: 'ecommerce-user-service', audience: 'ecommerce-api' };
const admin: AuthUser = { id: '64b000000000000000000002', email: 'root@example.com', role: 'admin' };

async function refusal(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

describe('access-token verification', () => {
  const keys = generateSigningKeys();
  const signer = createAccessTokenSigner(keys, { ...audience, expiresInSeconds: 900 });
  const verifier = createAccessTokenVerifier(staticKeySource(keys.keys), audience);
  const { kid, key, privateKey } = keys.signing;

  it('accepts what the signer issued and reads the user from it', async () => {
    await expect(verifier.verify(signer.sign(admin))).resolves.toEqual(admin);
  });

  it.each(Object.entries(forgedTokens({ kid, publicKey: key, privateKey }, { ...admin, sub: admin.id })))(
    'refuses a token: %s',
    async (_attack, token) => {
      const error = await refusal(verifier.verify(token));
      expect(error.status).toBe(401);
    },
  );

  it('says an expired token expired', async () => {
    const expired = forgedTokens({ kid, publicKey: key, privateKey }, { ...admin, sub: admin.id }).expired!;
    expect((await refusal(verifier.verify(expired))).message).toBe('Access token expired');
  });

  it('a token verified once is refused again as soon as its key leaves the source (the cache asks the source)', async () => {
    let current: typeof key | undefined = key;
    const changing = createAccessTokenVerifier(
      { key: async (asked) => (asked === kid ? current : undefined) },
      audience,
    );
    const token = signer.sign(admin);
    await expect(changing.verify(token)).resolves.toEqual(admin);

    current = undefined;
    expect((await refusal(changing.verify(token))).status).toBe(401);
    // Another key under the same kid: the signature no longer verifies.
    current = generateSigningKeys().signing.key;
    expect((await refusal(changing.verify(token))).status).toBe(401);
    current = key;
    await expect(changing.verify(token)).resolves.toEqual(admin);
  });

  it('a token verified once is refused once it expires (the cache keeps nothing past exp)', async () => {
    const shortLived = createAccessTokenSigner(keys, { ...audience, expiresInSeconds: 1 });
    const token = shortLived.sign(admin);
    await expect(verifier.verify(token)).resolves.toEqual(admin);

    await new Promise((resolve) => setTimeout(resolve, 2_100));

    expect((await refusal(verifier.verify(token))).message).toBe('Access token expired');
  });

  it('a key that is published but no longer signs still verifies; a dropped one does not', async () => {
    const next = generateSigningJwk();
    const old = keys.keys.map((entry) => ({
      ...entry.publicJwk,
      d: entry.privateKey.export({ format: 'jwk' }).d,
    }));
    const rotated = parseSigningKeys(JSON.stringify({ keys: [next, ...old] }));
    const both = createAccessTokenVerifier(staticKeySource(rotated.keys), audience);
    const oldToken = signer.sign(admin);
    await expect(both.verify(oldToken)).resolves.toEqual(admin);
    const onlyNew = parseSigningKeys(JSON.stringify({ keys: [next] }));
    await refusal(createAccessTokenVerifier(staticKeySource(onlyNew.keys), audience).verify(oldToken));
  });
});

describe('signing keys', () => {
  it('refuses anything but Ed25519 private keys whose halves match', () => {
    const good = generateSigningJwk();
    const other = generateSigningJwk();
    const cases: Array<[string, unknown]> = [
      ['a shared secret', { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }],
      ['mismatched halves', { keys: [{ ...good, x: other.x }] }],
      ['a public key only', { keys: [{ ...good, d: undefined }] }],
      ['two keys with one kid', { keys: [good, { ...other, kid: good.kid }] }],
    ];
    for (const [label, value] of cases)
      expect(() => parseSigningKeys(JSON.stringify(value)), label).toThrow();
    expect(() => parseSigningKeys(JSON.stringify({ keys: [good] }), 'unknown-kid')).toThrow(
      /JWT_SIGNING_KID/,
    );
  });
});

describe('a JWKS fetched from user-service', () => {
  const keys = generateSigningKeys();
  const signer = createAccessTokenSigner(keys, { ...audience, expiresInSeconds: 900 });
  let server: Server;
  let url: string;
  let answer: (res: import('node:http').ServerResponse) => void = (res) =>
    res.setHeader('content-type', 'application/json').end(JSON.stringify(publicJwks(keys)));
  let requests = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      requests += 1;
      answer(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const source = (overrides = {}) =>
    remoteKeySource({ urls: [url], refreshMs: 60_000, cooldownMs: 60_000, timeoutMs: 300, ...overrides });

  it('verifies with the fetched keys, fetching once, and keeps serving them while user-service is down', async () => {
    requests = 0;
    const verifier = createAccessTokenVerifier(source({ refreshMs: 1, cooldownMs: 1 }), audience);
    await expect(verifier.verify(signer.sign(admin))).resolves.toEqual(admin);
    answer = (res) => res.writeHead(503).end();
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 0; i < 3; i++) await expect(verifier.verify(signer.sign(admin))).resolves.toEqual(admin);
    answer = (res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(publicJwks(keys)));
  });

  it('when the first replica is down, then the keys come from the next one', async () => {
    const down = `http://127.0.0.1:${(server.address() as AddressInfo).port + 1}/.well-known/jwks.json`;
    const verifier = createAccessTokenVerifier(
      remoteKeySource({ urls: [down, url], refreshMs: 60_000, cooldownMs: 60_000, timeoutMs: 300 }),
      audience,
    );
    await expect(verifier.verify(signer.sign(admin))).resolves.toEqual(admin);
  });

  it('fetches again for an unknown kid, at most once per cooldown however many arrive', async () => {
    const verifier = createAccessTokenVerifier(source(), audience);
    await verifier.verify(signer.sign(admin));
    requests = 0;
    const stranger = generateSigningKeys();
    const forged = createAccessTokenSigner(stranger, { ...audience, expiresInSeconds: 900 }).sign(admin);
    await Promise.all(Array.from({ length: 20 }, () => refusal(verifier.verify(forged))));
    expect(requests).toBe(0);
    const fresh = createAccessTokenVerifier(source({ cooldownMs: 0 }), audience);
    await refusal(fresh.verify(forged));
    expect(requests).toBe(1);
  });

  it.each<[string, (res: import('node:http').ServerResponse) => void]>([
    ['huge', (res) => res.end(JSON.stringify({ keys: publicJwks(keys).keys, pad: 'x'.repeat(200_000) }))],
    [
      'huge, without a length',
      (res) => {
        res.write(JSON.stringify({ keys: publicJwks(keys).keys }).slice(0, -1));
        for (let i = 0; i < 100; i++) res.write(`,"p${i}":"${'x'.repeat(1_000)}"`);
        res.end('}');
      },
    ],
    ['slow', (res) => setTimeout(() => res.end(JSON.stringify(publicJwks(keys))), 1_000)],
    // The right key next to one that is not Ed25519: the whole set is refused, not the bad entry skipped.
    [
      'malformed',
      (res) => res.end(JSON.stringify({ keys: [...publicJwks(keys).keys, { kty: 'oct', k: 'c2VjcmV0' }] })),
    ],
    ['not JSON', (res) => res.end('<html>')],
    // The right keys, private halves included: a verifier must never take a private key.
    ['with private keys', (res) => res.end(signingKeysJson(keys))],
  ])('when the JWKS is %s, then nothing verifies (fail closed)', async (_label, bad) => {
    answer = bad;
    try {
      const verifier = createAccessTokenVerifier(source(), audience);
      await refusal(verifier.verify(signer.sign(admin)));
    } finally {
      answer = (res) =>
        res.setHeader('content-type', 'application/json').end(JSON.stringify(publicJwks(keys)));
    }
  });
});
