import type { Request } from 'express';

/**
 * The address of the client a request came from, as the gateway saw it. Only the gateway sets it
 * (it removes whatever a client sent); the services are reachable through the gateway alone.
 */
export const CLIENT_ADDRESS_HEADER = 'x-client-address';

/** The gateway's view of the client's address; a direct caller (a test, a peer) is its own socket. */
export function clientAddressOf(req: Request): string {
  const forwarded = req.get(CLIENT_ADDRESS_HEADER);
  if (forwarded) return forwarded;
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
