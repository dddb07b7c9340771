#!/usr/bin/env node
// A self-signed certificate for local HTTPS (nginx on :8443), made with openssl on first use and
// kept in the data directory; never committed. Valid for localhost, 127.0.0.1 and ::1.
//
//   node scripts/dev-cert.mjs [dir]     # default .data/nginx/tls; prints the certificate's path
//
// Browsers and curl do not trust it: `curl --cacert <dir>/tls.crt https://localhost:8443/health`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Returns {cert, key} in `dir`, creating them when absent; undefined when openssl is missing
 * (the caller then serves plain HTTP only).
 */
export function ensureDevCertificate(dir) {
  const cert = path.join(dir, 'tls.crt');
  const key = path.join(dir, 'tls.key');
  if (existsSync(cert) && existsSync(key)) return { cert, key };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-nodes',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-days',
        '825',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw new Error(`dev-cert: openssl failed: ${error.stderr?.toString().trim() || error.message}`, {
      cause: error,
    });
  }
  return { cert, key };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = path.resolve(process.argv[2] ?? path.join(root, '.data', 'nginx', 'tls'));
  const made = ensureDevCertificate(dir);
  if (!made) {
    console.error('dev-cert: openssl not found; install it for local HTTPS');
    process.exit(1);
  }
  console.log(made.cert);
}
