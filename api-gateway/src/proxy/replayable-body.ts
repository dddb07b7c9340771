import type { ClientRequest, IncomingMessage } from 'node:http';
import { HttpError } from '@ecom/service-kit';

/**
 * Bodies of requests that may be sent twice. A proxied body streams through once and is gone, so
 * a request the gateway may retry is read first (bounded by the body limit) and written to each
 * attempt from memory. Only retry-safe requests with a body pay for this.
 */
const bodies = new WeakMap<IncomingMessage, Buffer>();

export function hasBody(req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

export async function bufferBody(req: IncomingMessage, maxBytes: number): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      throw new HttpError(413, 'Request body too large', { details: { limitBytes: maxBytes } });
    }
    chunks.push(chunk as Buffer);
  }
  bodies.set(req, Buffer.concat(chunks));
}

/**
 * Called as the upstream request starts: http-proxy then pipes the (already read, ended) client
 * stream into it, which only ends it.
 */
export function writeBufferedBody(proxyReq: ClientRequest, req: IncomingMessage): void {
  const body = bodies.get(req);
  if (body === undefined) return;
  proxyReq.removeHeader('transfer-encoding');
  proxyReq.setHeader('content-length', body.length);
  proxyReq.write(body);
}
