import type { KeyObject } from 'node:crypto';
import type { KeySource } from './access-tokens';
import { parsePublicJwks } from './jwt-keys';
import type { Logger } from './logger';

/** Far more than a key set of MAX_JWKS_KEYS Ed25519 keys takes (about 150 bytes each). */
export const JWKS_MAX_BYTES = 64 * 1024;

export interface RemoteJwksOptions {
  /** user-service's /.well-known/jwks.json, one per replica: the first that answers well wins. */
  urls: string[];
  /** A key set older than this is fetched again in the background, while the old one still serves. */
  refreshMs: number;
  /** At most one fetch per this, whatever triggers it: unknown kids, failures, refreshes. */
  cooldownMs: number;
  /** The whole answer, headers and body, must arrive within this. */
  timeoutMs: number;
  maxBytes?: number;
  logger?: Pick<Logger, 'warn' | 'info'>;
}

export interface RemoteKeySource extends KeySource {
  /** Fetches now (the cooldown still applies); resolves once the attempt ended, failed or not. */
  refresh(): Promise<void>;
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes || !response.body) {
    await response.body?.cancel();
    throw new Error(declared > maxBytes ? `declares ${declared} bytes, above ${maxBytes}` : 'has no body');
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    // Stop reading at the limit: a chunked answer declares no length.
    if (size > maxBytes) throw new Error(`is over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function fetchFrom(url: string, options: RemoteJwksOptions): Promise<Map<string, KeyObject>> {
  // The timeout covers the body too: a server that trickles its answer is cut off.
  const response = await fetch(url, {
    signal: AbortSignal.timeout(options.timeoutMs),
    redirect: 'error',
    headers: { accept: 'application/json' },
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`answered ${response.status}`);
  }
  const text = await readBounded(response, options.maxBytes ?? JWKS_MAX_BYTES);
  return new Map(parsePublicJwks(text).map((entry) => [entry.kid, entry.key]));
}

/** Every replica publishes the same keys: a replica that is down or answers badly passes to the next. */
async function fetchKeys(options: RemoteJwksOptions): Promise<Map<string, KeyObject>> {
  const failures: string[] = [];
  for (const url of options.urls) {
    try {
      return await fetchFrom(url, options);
    } catch (error) {
      failures.push(`${url}: ${(error as Error).message}`);
    }
  }
  throw new Error(failures.join('; '));
}

/**
 * user-service's public keys, fetched from its JWKS and cached. A kid the cache lacks triggers a
 * fetch (a key announced since the last one), bounded by the cooldown so a flood of made-up kids
 * costs one request per cooldown. A failed, slow, huge or malformed answer changes nothing: the
 * keys fetched last keep verifying while user-service is down, and nothing but a well-formed key
 * set from that URL ever adds a key (fail closed).
 */
export function remoteKeySource(options: RemoteJwksOptions): RemoteKeySource {
  let keys = new Map<string, KeyObject>();
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;

  const reload = (): Promise<void> => {
    if (inFlight) return inFlight;
    if (Date.now() - attemptedAt < options.cooldownMs) return Promise.resolve();
    attemptedAt = Date.now();
    inFlight = fetchKeys(options)
      .then((fetched) => {
        const added = [...fetched.keys()].filter((kid) => !keys.has(kid));
        const dropped = [...keys.keys()].filter((kid) => !fetched.has(kid));
        if (added.length + dropped.length > 0)
          options.logger?.info({ added, dropped }, 'JWKS: key set changed');
        keys = fetched;
        fetchedAt = Date.now();
      })
      .catch((error: unknown) => {
        options.logger?.warn(
          { err: error, urls: options.urls, cachedKeys: keys.size },
          'JWKS: fetch failed, keeping the keys fetched last',
        );
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  return {
    refresh: reload,
    async key(kid) {
      const known = keys.get(kid);
      if (known) {
        if (Date.now() - fetchedAt >= options.refreshMs) void reload();
        return known;
      }
      await reload();
      return keys.get(kid);
    },
  };
}
