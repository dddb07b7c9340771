import { jwtSettingsFrom, signAccessToken, type AuthUser, type JwtSettings } from '@ecom/service-kit';
import jwt from 'jsonwebtoken';
import { loadGatewayConfig } from '@ecom/api-gateway';

/** The gateway's defaults, which the test gateways use too. */
export const testJwt: JwtSettings = jwtSettingsFrom(loadGatewayConfig({ NODE_ENV: 'test' }));

export const customer: AuthUser = {
  id: '64b000000000000000000001',
  email: 'ann@example.com',
  role: 'customer',
};
export const admin: AuthUser = { id: '64b000000000000000000002', email: 'root@example.com', role: 'admin' };

export const bearer = (token: string) => `Bearer ${token}`;

export function validToken(user: AuthUser = customer): string {
  return signAccessToken(user, testJwt);
}

export function expiredToken(user: AuthUser = customer): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ email: user.email, role: user.role, iat: now - 3600, exp: now - 60 }, testJwt.secret, {
    algorithm: 'HS256',
    subject: user.id,
    issuer: testJwt.issuer,
    audience: testJwt.audience,
  });
}

/** Right claims, signed with a secret the gateway does not know. */
export function forgedToken(user: AuthUser = admin): string {
  return signAccessToken(user, { ...testJwt, secret: 'an-attacker-chosen-secret-of-enough-length' });
}

/** Unsigned token claiming admin: must never be accepted. */
export function algNoneToken(user: AuthUser = admin): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const header = encode({ alg: 'none', typ: 'JWT' });
  const payload = encode({
    sub: user.id,
    email: user.email,
    role: user.role,
    iss: testJwt.issuer,
    aud: testJwt.audience,
    iat: now,
    exp: now + 600,
  });
  return `${header}.${payload}.`;
}

export function wrongAudienceToken(user: AuthUser = customer): string {
  return signAccessToken(user, { ...testJwt, audience: 'some-other-api' });
}

/** Correctly signed, but without `exp`: valid forever if accepted. */
export function tokenWithoutExpiry(user: AuthUser = customer): string {
  return jwt.sign({ email: user.email, role: user.role }, testJwt.secret, {
    algorithm: 'HS256',
    subject: user.id,
    issuer: testJwt.issuer,
    audience: testJwt.audience,
  });
}
