// The development key set user-service signs access tokens with under `npm start`: an Ed25519
// private JWK made once into <data dir>/jwt/signing-keys.json (mode 0600, never committed: .data
// is ignored) and reused, so tokens survive a restart and both user-service replicas sign alike.
// The other services never read it: they fetch the public half from user-service's JWKS.
import crypto from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** RFC 7638 thumbprint, the kid user-service would derive too. */
function thumbprint(x) {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x }))
    .digest('base64url');
}

/** A fresh Ed25519 private JWK with its kid: the shape JWT_SIGNING_KEYS lists. */
export function newSigningJwk() {
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  const { x, d } = privateKey.export({ format: 'jwk' });
  return { kty: 'OKP', crv: 'Ed25519', x, d, kid: thumbprint(x), alg: 'EdDSA', use: 'sig' };
}

/** The JWK Set JSON in dataDir/jwt/signing-keys.json, written first if missing. */
export function devSigningKeys(dataDir) {
  const file = path.join(dataDir, 'jwt', 'signing-keys.json');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${JSON.stringify({ keys: [newSigningJwk()] }, null, 2)}\n`, { mode: 0o600 });
  }
  return readFileSync(file, 'utf8');
}

// `node scripts/lib/dev-signing-keys.mjs` prints a new key (one JWK) for a rotation.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(newSigningJwk())}\n`);
}
