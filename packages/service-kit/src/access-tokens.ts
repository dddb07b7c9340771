import crypto from 'node:crypto';
import { errors, jwtVerify, type JWTHeaderParameters } from 'jose';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { type AccessTokenVerifier, type AuthUser, ROLES } from './auth';
import { HttpError } from './errors';
import {
  ACCESS_TOKEN_ALG,
  generateSigningKeys,
  publicJwks,
  type SigningKeySet,
  type VerificationKey,
} from './jwt-keys';

export interface TokenAudience {
  issuer: string;
  audience: string;
}

/** Where a verifier finds the public key a token names (`kid`): a fixed set, or user-service's JWKS. */
export interface KeySource {
  key(kid: string): Promise<crypto.KeyObject | undefined>;
}

export interface AccessTokenSigner {
  sign(user: AuthUser): string;
}

const claimsSchema = z.object({
  sub: z.string().min(1),
  // A token without `exp` would be valid forever (also required below, this keeps the type exact).
  exp: z.number(),
  email: z.string(),
  role: z.enum(ROLES),
});

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * user-service's signer. Signing is plain node:crypto (one Ed25519 signature over header.payload,
 * synchronous, so a login needs no extra await); verification below goes through jose.
 */
export function createAccessTokenSigner(
  keys: SigningKeySet,
  settings: TokenAudience & { expiresInSeconds: number },
): AccessTokenSigner {
  const { kid, privateKey } = keys.signing;
  const header = encode({ alg: ACCESS_TOKEN_ALG, typ: 'JWT', kid });
  return {
    sign(user) {
      const now = Math.floor(Date.now() / 1000);
      const payload = encode({
        email: user.email,
        role: user.role,
        sub: user.id,
        iss: settings.issuer,
        aud: settings.audience,
        iat: now,
        exp: now + settings.expiresInSeconds,
      });
      const signature = crypto.sign(null, Buffer.from(`${header}.${payload}`), privateKey);
      return `${header}.${payload}.${signature.toString('base64url')}`;
    },
  };
}

/** A key source that never changes: user-service's own keys, or a public-key file. */
export function staticKeySource(keys: readonly VerificationKey[]): KeySource {
  const byKid = new Map(keys.map((entry) => [entry.kid, entry.key]));
  return { key: async (kid) => byKid.get(kid) };
}

const UNKNOWN_KEY = new errors.JWKSNoMatchingKey();

/** Tokens verified already, per verifier: a client sends the same token with every request. */
const VERIFIED_TOKENS = 10_000;

interface Verified {
  user: AuthUser;
  kid: string;
  /** The key object that verified it: a reloaded or dropped key makes the entry count for nothing. */
  key: crypto.KeyObject;
}

/**
 * Verifies signature (EdDSA only, with the key the `kid` names), expiry (required), issuer and
 * audience; anything else is a 401. The algorithm is pinned, never read from the token: `none`
 * and HS256-with-the-public-key are refused before any key is looked up.
 *
 * A token that verified is remembered until it expires, as long as the source still hands out the
 * very key object that verified it (a key set reloaded from the JWKS, or a key dropped by a
 * rotation, sends it through the full check again): an Ed25519 verification costs ~0.15 ms of
 * CPU, and the gateway and the service behind it would each pay it on every request.
 */
export function createAccessTokenVerifier(source: KeySource, settings: TokenAudience): AccessTokenVerifier {
  const verified = new LRUCache<string, Verified>({ max: VERIFIED_TOKENS, ttlAutopurge: false });

  async function verifyFully(token: string): Promise<AuthUser> {
    let used: { kid: string; key: crypto.KeyObject } | undefined;
    const resolveKey = async (header: JWTHeaderParameters) => {
      const key = typeof header.kid === 'string' ? await source.key(header.kid) : undefined;
      if (!key) throw UNKNOWN_KEY;
      used = { kid: header.kid!, key };
      return key;
    };
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, resolveKey, {
        algorithms: [ACCESS_TOKEN_ALG],
        issuer: settings.issuer,
        audience: settings.audience,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      const expired = error instanceof errors.JWTExpired;
      throw HttpError.unauthorized(expired ? 'Access token expired' : 'Invalid access token');
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success || !used) throw HttpError.unauthorized('Invalid access token');
    const user = { id: claims.data.sub, email: claims.data.email, role: claims.data.role };
    const ttl = claims.data.exp * 1_000 - Date.now();
    if (ttl > 0) verified.set(token, { user, ...used }, { ttl });
    return user;
  }

  return {
    async verify(token) {
      const known = verified.get(token);
      if (known && (await source.key(known.kid)) === known.key) return { ...known.user };
      return verifyFully(token);
    },
  };
}

/** The verifier user-service uses for its own routes: its published keys, no network. */
export function ownKeysVerifier(keys: SigningKeySet, settings: TokenAudience): AccessTokenVerifier {
  return createAccessTokenVerifier(staticKeySource(keys.keys), settings);
}

/** The issuer and audience every service expects unless JWT_ISSUER / JWT_AUDIENCE say otherwise. */
export const DEFAULT_TOKEN_AUDIENCE: TokenAudience = {
  issuer: 'ecommerce-user-service',
  audience: 'ecommerce-api',
};

export interface LocalTokenKeys {
  keys: SigningKeySet;
  /** The public JWK Set as JSON: what a verifier is given as JWT_PUBLIC_KEYS. */
  publicKeys: string;
  signer: AccessTokenSigner;
}

/**
 * A fresh key set with its public half and a signer, for stacks that sign in-process (the tests,
 * whose services are given `publicKeys`). Nothing outside user-service signs in production.
 */
export function localTokenKeys(
  audience: TokenAudience = DEFAULT_TOKEN_AUDIENCE,
  expiresInSeconds = 900,
): LocalTokenKeys {
  const keys = generateSigningKeys();
  return {
    keys,
    publicKeys: JSON.stringify(publicJwks(keys)),
    signer: createAccessTokenSigner(keys, { ...audience, expiresInSeconds }),
  };
}
