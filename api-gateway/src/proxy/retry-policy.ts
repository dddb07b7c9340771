import type { Request } from 'express';
import { UpstreamTimeoutError } from '../resilience/upstream-errors';

/**
 * Requests that may be sent twice without doing their work twice: reads, and writes the upstream
 * de-duplicates by their Idempotency-Key (order-service replays the first answer).
 */
export function isRetrySafe(req: Request): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  return req.method === 'POST' && req.get('idempotency-key') !== undefined;
}

// The upstream refused the connection, or it broke before any answer (a process that died or
// drained between our connect and its accept): another try may find it, or its restart, there.
const NEVER_ANSWERED = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNECTTIMEOUT']);

export function neverAnswered(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && NEVER_ANSWERED.has(code);
}

/** The request may have reached the upstream and been acted on before the exchange broke. */
export function mayHaveBeenDone(error: unknown): boolean {
  if (error instanceof UpstreamTimeoutError) return true;
  const code = (error as { code?: unknown })?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

export function isWrite(req: Request): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
}
