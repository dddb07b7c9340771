import type { ClientRequest, IncomingMessage } from 'node:http';
import { HttpError } from '@ecom/service-kit';
import { ClientBodyTimeoutError, ClientClosedError } from '../resilience/upstream-errors';

/**
 * Bodies of requests that may be sent twice. A proxied body streams through once and is gone, so
 * a request the gateway may retry is read first (bounded by the body limit) and written to each
 * attempt from memory. Only retry-safe requests with a body pay for this.
 */
const bodies = new WeakMap<IncomingMessage, Buffer>();

export function hasBody(req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Reads the whole body, bounded in size (413) and in time: the same CLIENT_BODY_TIMEOUT_MS a
 * streamed body gets (408 via ClientBodyTimeoutError), so buffering opens no slow-body hole.
 */
export function bufferBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => done(new ClientBodyTimeoutError(timeoutMs)), timeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        done(new HttpError(413, 'Request body too large', { details: { limitBytes: maxBytes } }));
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      bodies.set(req, Buffer.concat(chunks));
      done();
    };
    const onClose = () => {
      if (!req.complete) done(new ClientClosedError());
    };
    function done(error?: unknown) {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', done);
      req.off('close', onClose);
      if (error === undefined) resolve();
      else {
        req.pause();
        reject(error);
      }
    }
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', done);
    req.once('close', onClose);
  });
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
