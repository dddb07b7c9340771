/**
 * Helpers for test files. The server URLs come from the vitest globalSetup in ./global-setup.ts
 * (wired up in the root vitest.config.ts) via vitest's provide/inject.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

export { default as globalSetup } from './global-setup.js';
export { findFreePort, startMongo, startRedis } from './servers.js';
export type { RunningServer, StartOptions } from './servers.js';
export { type PoolUsage, type TransactionWatch, watchPoolUsage, watchTransactions } from './mongo-usage.js';
export { forgedTokens, type ForgedClaims, type RealSigningKey } from './forged-tokens.js';
export { startAndStop, type StartableService, type StartStopOutcome } from './service-root.js';

// MongoDB forbids these in database names (plus the NUL character); names must be < 64 bytes.
const INVALID_DB_NAME = /[/\\. "$*<>:|?\0]/;

/**
 * The provided MongoDB URL with its database path set to `dbName`. Credentials, hosts and the
 * query string (e.g. `?authSource=admin`) are kept. Handles multi-host URLs, which WHATWG `URL`
 * cannot parse.
 */
export function mongoUrlFor(dbName: string): string {
  return withDatabase(inject('mongoUrl'), dbName);
}

/** Pure part of {@link mongoUrlFor}, exported for reuse and tests. */
export function withDatabase(baseUrl: string, dbName: string): string {
  if (!dbName || INVALID_DB_NAME.test(dbName) || Buffer.byteLength(dbName) >= 64) {
    throw new Error(`invalid MongoDB database name: ${JSON.stringify(dbName)}`);
  }
  const schemeEnd = baseUrl.indexOf('://');
  if (schemeEnd < 0) throw new Error(`not a MongoDB URL: ${baseUrl}`);
  const prefixEnd = schemeEnd + 3;
  const rest = baseUrl.slice(prefixEnd);
  // The authority ends at the first "/" or "?" (neither may appear unescaped in credentials).
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const after = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  const queryStart = after.indexOf('?');
  const query = queryStart < 0 ? '' : after.slice(queryStart);
  return `${baseUrl.slice(0, prefixEnd)}${authority}/${encodeURIComponent(dbName)}${query}`;
}

/**
 * `prefix` followed by 12 random hex characters, e.g. `users_3f9a0c1b2d4e`. Safe as a MongoDB
 * database name, a collection name, a Redis key prefix and an email local part, as long as the
 * prefix is (letters, digits, `_`, `-`).
 */
export function uniqueName(prefix: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(prefix)) {
    throw new Error(`uniqueName: prefix may only contain letters, digits, "_" and "-": ${prefix}`);
  }
  return `${prefix}${randomBytes(6).toString('hex')}`;
}

/** The provided Redis URL, e.g. `redis://127.0.0.1:40123`. */
export function redisUrl(): string {
  return inject('redisUrl');
}
