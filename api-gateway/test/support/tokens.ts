import { type AuthUser, localTokenKeys } from '@ecom/service-kit';
import { forgedTokens } from '@ecom/test-support';

/**
 * The key user-service would sign with: test gateways are given its public half (JWT_PUBLIC_KEYS,
 * see createTestGateway), the tests sign with the private one.
 */
export const testKeys = localTokenKeys();

export const customer: AuthUser = {
  id: '64b000000000000000000001',
  email: 'ann@example.com',
  role: 'customer',
};
export const admin: AuthUser = { id: '64b000000000000000000002', email: 'root@example.com', role: 'admin' };

export const bearer = (token: string) => `Bearer ${token}`;

export function validToken(user: AuthUser = customer): string {
  return testKeys.signer.sign(user);
}

/** Every way of claiming admin without user-service's current or previous key: all must get 401. */
export function attackTokens(user: AuthUser = admin): Record<string, string> {
  const { kid, key, privateKey } = testKeys.keys.signing;
  return forgedTokens(
    { kid, publicKey: key, privateKey },
    { sub: user.id, email: user.email, role: user.role },
  );
}

export function expiredToken(user: AuthUser = customer): string {
  return attackTokens(user).expired!;
}
