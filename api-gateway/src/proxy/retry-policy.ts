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

const codeOf = (error: unknown) => (error as { code?: unknown })?.code;

// No connection was made (refused, or the connect timed out): not a byte of the request left the
// gateway, so sending it to another replica (or again) is safe for any request.
const NEVER_SENT = new Set(['ECONNREFUSED', 'ECONNECTTIMEOUT']);
// Or the connection broke before any answer (a process that died or drained between our connect
// and its accept): the request may have been read, so only a retry-safe one goes again.
const NEVER_ANSWERED = new Set([...NEVER_SENT, 'ECONNRESET', 'EPIPE']);

export function neverSent(error: unknown): boolean {
  const code = codeOf(error);
  return typeof code === 'string' && NEVER_SENT.has(code);
}

/** Whether a failed attempt may be repeated, on another replica or after a pause. */
export function mayTryAgain(error: unknown, retrySafe: boolean): boolean {
  const code = codeOf(error);
  if (typeof code !== 'string') return false;
  return retrySafe ? NEVER_ANSWERED.has(code) : NEVER_SENT.has(code);
}

/** The request may have reached the upstream and been acted on before the exchange broke. */
export function mayHaveBeenDone(error: unknown): boolean {
  if (error instanceof UpstreamTimeoutError) return true;
  const code = codeOf(error);
  return code === 'ECONNRESET' || code === 'EPIPE';
}

export function isWrite(req: Request): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
}
