import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Every address a host name resolves to (A and AAAA records). */
export type LookupAll = (hostname: string) => Promise<string[]>;

const lookupAll: LookupAll = async (hostname) =>
  (await lookup(hostname, { all: true })).map((entry) => entry.address);

/**
 * Every replica behind one service URL (Docker's DNS answers one address per replica). The
 * keep-alive agent pools sockets by host: with the name as the host, every request reuses the
 * sockets opened to whichever address the first lookups returned, so replicas added by `--scale`
 * never got a request. Targeting the addresses themselves gives each replica its own keep-alive
 * pool (and lets ReplicaPool take one out of the rotation). The list is re-resolved in the
 * background every `refreshMs`, so replicas that come and go are followed without a lookup on the
 * request path; a failed lookup keeps the last list.
 */
export interface ReplicaTargets {
  /** The base URL's origin with its host replaced by each replica's address, sorted. */
  origins(): Promise<string[]>;
}

export function createReplicaTargets(
  baseUrl: string,
  refreshMs: number,
  resolve: LookupAll = lookupAll,
  now: () => number = Date.now,
): ReplicaTargets {
  const url = new URL(baseUrl);
  let addresses: string[] = [];
  let resolvedAt = Number.NEGATIVE_INFINITY;
  let refreshing: Promise<void> | undefined;

  function refresh(hostname: string): Promise<void> {
    refreshing ??= resolve(hostname)
      .then((resolved) => {
        if (resolved.length > 0) addresses = [...new Set(resolved)].sort();
      })
      .catch(() => undefined)
      .finally(() => {
        resolvedAt = now();
        refreshing = undefined;
      });
    return refreshing;
  }

  return {
    async origins() {
      const hostname = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(hostname)) return [url.origin];
      if (now() - resolvedAt >= refreshMs) {
        const refreshed = refresh(hostname);
        // Only the very first request waits; later ones use the list they have meanwhile.
        if (addresses.length === 0) await refreshed;
      }
      if (addresses.length === 0) return [url.origin];
      return addresses.map((address) => {
        const target = new URL(url.origin);
        target.hostname = isIP(address) === 6 ? `[${address}]` : address;
        return target.origin;
      });
    },
  };
}
