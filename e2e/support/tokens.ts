import type { KeyObject } from 'node:crypto';
import { forgedTokens } from '@ecom/test-support';

interface Claims {
  sub: string;
  email: string;
  role: 'customer' | 'admin';
}

/**
 * Tokens a client might try, each claiming admin: each must be refused by the gateway itself. `real`
 * is user-service's signing key (the stack wrote it), for the well-signed but expired one.
 */
export function badTokens(
  claims: Claims,
  real: { kid: string; publicKey: KeyObject; privateKey: KeyObject },
): Record<string, string> {
  return { malformed: 'this-is-not-a-jwt', ...forgedTokens(real, { ...claims, role: 'admin' }) };
}
