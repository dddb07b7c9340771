import jwt from 'jsonwebtoken';

const ISSUER = 'ecommerce-user-service';
const AUDIENCE = 'ecommerce-api';

interface Claims {
  sub: string;
  email: string;
  role: 'customer' | 'admin';
}

const sign = (claims: Claims, secret: string, expiresInSeconds: number) => {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign(
    { email: claims.email, role: claims.role, iat: now - 120, exp: now + expiresInSeconds },
    secret,
    { algorithm: 'HS256', subject: claims.sub, issuer: ISSUER, audience: AUDIENCE },
  );
};

/** Tokens a client might try: each must be refused by the gateway itself. */
export function badTokens(claims: Claims, realSecret: string): Record<string, string> {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({
    ...claims,
    role: 'admin',
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now,
    exp: now + 600,
  })}.`;
  return {
    malformed: 'this-is-not-a-jwt',
    expired: sign(claims, realSecret, -60),
    forged: sign({ ...claims, role: 'admin' }, 'a-secret-the-attacker-made-up-long-enough', 600),
    'alg-none': unsigned,
  };
}
