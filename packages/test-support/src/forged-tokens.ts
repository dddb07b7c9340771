/**
 * Access tokens an attacker might try, each one a way a naive verifier goes wrong. Built with
 * node:crypto alone, so the suites check the services' verification against tokens no code of
 * theirs produced.
 */
import crypto, { type KeyObject } from 'node:crypto';

export interface RealSigningKey {
  kid: string;
  /** What user-service publishes; an attacker has it. */
  publicKey: KeyObject;
  /** user-service's own key, for tokens that are well signed but wrong in another way. */
  privateKey?: KeyObject;
}

export interface ForgedClaims {
  sub: string;
  email: string;
  role: 'customer' | 'admin';
  issuer?: string;
  audience?: string;
}

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function jws(header: object, payload: object, sign: (input: Buffer) => Buffer): string {
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${sign(Buffer.from(input)).toString('base64url')}`;
}

const ed25519 = (key: KeyObject) => (input: Buffer) => crypto.sign(null, input, key);

/** Named tokens that must all get a 401; the names read as the attack. */
export function forgedTokens(real: RealSigningKey, claims: ForgedClaims): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    sub: claims.sub,
    email: claims.email,
    role: claims.role,
    iss: claims.issuer ?? 'ecommerce-user-service',
    aud: claims.audience ?? 'ecommerce-api',
    iat: now,
    exp: now + 600,
  };
  const header = { alg: 'EdDSA', typ: 'JWT', kid: real.kid };
  const stranger = crypto.generateKeyPairSync('ed25519').privateKey;
  const publicPem = real.publicKey.export({ format: 'pem', type: 'spki' });
  const tokens: Record<string, string> = {
    'alg none': `${encode({ alg: 'none', typ: 'JWT', kid: real.kid })}.${encode(payload)}.`,
    'HS256 keyed with the public key (algorithm confusion)': jws(
      { alg: 'HS256', typ: 'JWT', kid: real.kid },
      payload,
      (input) => crypto.createHmac('sha256', publicPem).update(input).digest(),
    ),
    'signed by an unknown key': jws(
      { ...header, kid: crypto.randomBytes(16).toString('base64url') },
      payload,
      ed25519(stranger),
    ),
    'a known kid, signed by another key': jws(header, payload, ed25519(stranger)),
    'no kid': jws({ alg: 'EdDSA', typ: 'JWT' }, payload, ed25519(stranger)),
  };
  if (real.privateKey) {
    const sign = ed25519(real.privateKey);
    tokens['another issuer'] = jws(header, { ...payload, iss: 'someone-else' }, sign);
    tokens['another audience'] = jws(header, { ...payload, aud: 'another-api' }, sign);
    tokens.expired = jws(header, { ...payload, iat: now - 3_600, exp: now - 60 }, sign);
    tokens['no expiry'] = jws(header, { ...payload, exp: undefined }, sign);
  }
  return tokens;
}
