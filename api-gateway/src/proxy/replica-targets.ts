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
export class ReplicaTargets {
  private readonly url: URL;
  private addresses: string[] = [];
  private resolvedAt = Number.NEGATIVE_INFINITY;
  private refreshing?: Promise<void>;

  constructor(
    baseUrl: string,
    private readonly refreshMs: number,
    private readonly resolve: LookupAll = lookupAll,
    private readonly now: () => number = Date.now,
  ) {
    this.url = new URL(baseUrl);
  }

  /** The base URL's origin with its host replaced by each replica's address, sorted. */
  async origins(): Promise<string[]> {
    const hostname = this.url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(hostname)) return [this.url.origin];
    if (this.now() - this.resolvedAt >= this.refreshMs) {
      const refresh = this.refresh(hostname);
      // Only the very first request waits; later ones use the list they have meanwhile.
      if (this.addresses.length === 0) await refresh;
    }
    if (this.addresses.length === 0) return [this.url.origin];
    return this.addresses.map((address) => {
      const target = new URL(this.url.origin);
      target.hostname = isIP(address) === 6 ? `[${address}]` : address;
      return target.origin;
    });
  }

  private refresh(hostname: string): Promise<void> {
    this.refreshing ??= this.resolve(hostname)
      .then((addresses) => {
        if (addresses.length > 0) this.addresses = [...new Set(addresses)].sort();
      })
      .catch(() => undefined)
      .finally(() => {
        this.resolvedAt = this.now();
        this.refreshing = undefined;
      });
    return this.refreshing;
  }
}
