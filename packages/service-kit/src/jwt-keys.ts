import crypto, { type KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * Access tokens are signed with Ed25519 (JWS `EdDSA`): one curve with no parameters to get wrong,
 * deterministic signatures (no per-signature nonce that could leak the key, as ECDSA's can), 32-byte
 * keys and fast verification. Only user-service holds a private key; everyone else gets the
 * public half as a JWK Set (RFC 7517) from its /.well-known/jwks.json.
 */
export const ACCESS_TOKEN_ALG = 'EdDSA';

/** The largest key set a verifier accepts: a rotation publishes two or three keys, never dozens. */
export const MAX_JWKS_KEYS = 16;

const base64url32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes, base64url');
const kid = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1-128 characters of [A-Za-z0-9._-]')
  .optional();

const publicJwkSchema = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: base64url32,
  kid,
  alg: z.literal(ACCESS_TOKEN_ALG).optional(),
  use: z.literal('sig').optional(),
});

export type PublicJwk = z.output<typeof publicJwkSchema> & { kid: string };
export type PrivateJwk = PublicJwk & { d: string };

// A verifier's key set may only ever hold public keys: a `d` would mean a private key was published.
const publicJwksSchema = z.object({
  keys: z
    .array(
      publicJwkSchema.extend({ d: z.undefined('a private key has no place in a public key set').optional() }),
    )
    .min(1)
    .max(MAX_JWKS_KEYS),
});
const privateJwksSchema = z.object({
  keys: z
    .array(publicJwkSchema.extend({ d: base64url32 }))
    .min(1)
    .max(MAX_JWKS_KEYS),
});

export interface VerificationKey {
  kid: string;
  key: KeyObject;
}

export interface SigningKey extends VerificationKey {
  privateKey: KeyObject;
  publicJwk: PublicJwk;
}

export interface SigningKeySet {
  /** The key new tokens are signed with. */
  signing: SigningKey;
  /** Every key user-service publishes, the signing one included (the next and the previous key). */
  keys: SigningKey[];
}

/** RFC 7638 thumbprint: the kid of a key that names none, the same on every replica. */
function thumbprint(x: string): string {
  const canonical = JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x });
  return crypto.createHash('sha256').update(canonical).digest('base64url');
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'keys'}: ${issue.message}`).join('; ');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('is not JSON (a JWK Set: {"keys": [...]})');
  }
}

function uniqueKids<T extends { kid: string }>(keys: T[]): T[] {
  const kids = new Set(keys.map((key) => key.kid));
  if (kids.size !== keys.length) throw new Error('two keys share a kid');
  return keys;
}

/** A public JWK Set (user-service's JWKS, or a file of it) as verification keys; throws on anything else. */
export function parsePublicJwks(value: unknown): VerificationKey[] {
  const parsed = publicJwksSchema.safeParse(typeof value === 'string' ? parseJson(value) : value);
  if (!parsed.success) throw new Error(describe(parsed.error));
  return uniqueKids(
    parsed.data.keys.map((jwk) => ({
      kid: jwk.kid ?? thumbprint(jwk.x),
      key: crypto.createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: 'jwk' }),
    })),
  );
}

/**
 * user-service's keys, a JWK Set of Ed25519 private keys. The one named by `signingKid` signs (by
 * default the first); all of them are published, so a new key can be announced before it signs
 * and an old one keeps verifying after it stopped.
 */
export function parseSigningKeys(text: string, signingKid?: string): SigningKeySet {
  const parsed = privateJwksSchema.safeParse(parseJson(text));
  if (!parsed.success) throw new Error(describe(parsed.error));
  const keys = uniqueKids(
    parsed.data.keys.map((jwk) => {
      const privateKey = crypto.createPrivateKey({
        key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d },
        format: 'jwk',
      });
      const key = crypto.createPublicKey(privateKey);
      // A hand-edited file whose x is not d's public half would publish a key nothing signs with.
      if (key.export({ format: 'jwk' }).x !== jwk.x)
        throw new Error(`key ${jwk.kid ?? jwk.x}: x does not match d`);
      const id = jwk.kid ?? thumbprint(jwk.x);
      const publicJwk: PublicJwk = {
        kty: 'OKP',
        crv: 'Ed25519',
        x: jwk.x,
        kid: id,
        alg: ACCESS_TOKEN_ALG,
        use: 'sig',
      };
      return { kid: id, key, privateKey, publicJwk };
    }),
  );
  const signing = signingKid === undefined ? keys[0] : keys.find((key) => key.kid === signingKid);
  if (!signing) throw new Error(`no key has the kid ${signingKid} (JWT_SIGNING_KID)`);
  return { signing, keys };
}

/** A fresh Ed25519 private JWK, its kid the thumbprint: what `npm start` and the secrets script write. */
export function generateSigningJwk(): PrivateJwk {
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  const { x, d } = privateKey.export({ format: 'jwk' }) as { x: string; d: string };
  return { kty: 'OKP', crv: 'Ed25519', x, d, kid: thumbprint(x), alg: ACCESS_TOKEN_ALG, use: 'sig' };
}

/** A key set of one fresh key: development without a configured key, and the tests. */
export function generateSigningKeys(): SigningKeySet {
  return parseSigningKeys(JSON.stringify({ keys: [generateSigningJwk()] }));
}

/** What /.well-known/jwks.json serves: the public halves only. */
export function publicJwks(set: SigningKeySet): { keys: PublicJwk[] } {
  return { keys: set.keys.map((key) => key.publicJwk) };
}

/** The key set as JWT_SIGNING_KEYS takes it (private halves included): for stacks a test starts. */
export function signingKeysJson(set: SigningKeySet): string {
  const keys = set.keys.map((key) => ({ ...key.publicJwk, d: key.privateKey.export({ format: 'jwk' }).d }));
  return JSON.stringify({ keys });
}
