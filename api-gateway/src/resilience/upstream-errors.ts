import { HttpError } from '@ecom/service-kit';

/** The upstream sent no response headers within its timeout. */
export class UpstreamTimeoutError extends Error {
  readonly code = 'EUPSTREAMTIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`upstream did not answer within ${timeoutMs} ms`);
    this.name = 'UpstreamTimeoutError';
  }
}

/** The TCP connection was not established in time: the host is gone or black-holed. */
export class UpstreamConnectTimeoutError extends Error {
  readonly code = 'ECONNECTTIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`could not connect to the upstream within ${timeoutMs} ms`);
    this.name = 'UpstreamConnectTimeoutError';
  }
}

/** The client went away before the upstream answered; nobody is waiting for an error response. */
export class ClientClosedError extends Error {
  readonly code = 'ECLIENTCLOSED';
  constructor() {
    super('client closed the connection before the upstream answered');
    this.name = 'ClientClosedError';
  }
}

/** The client did not finish sending its body in time; the upstream was never the slow one. */
export class ClientBodyTimeoutError extends Error {
  readonly code = 'ECLIENTBODYTIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`client did not send its request body within ${timeoutMs} ms`);
    this.name = 'ClientBodyTimeoutError';
  }
}

/** Failures that are the client's doing: never counted against the upstream's circuit. */
export function isClientFailure(error: unknown): boolean {
  return error instanceof ClientClosedError || error instanceof ClientBodyTimeoutError;
}

export type UpstreamOutcome =
  | 'forwarded'
  | 'retried'
  | 'circuit_open'
  | 'unavailable'
  | 'timeout'
  | 'client_closed'
  | 'client_timeout'
  | 'outcome_unknown'
  | 'error';

export interface ClassifiedFailure {
  outcome: Exclude<UpstreamOutcome, 'forwarded' | 'retried'>;
  /** Undefined when there is no one left to answer (client closed). */
  httpError?: HttpError;
}

// Failures to reach the upstream at all: the request never got a response, so retrying later is fine.
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNECTTIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** Maps a proxy or breaker failure to the response the client gets. */
export function classifyUpstreamFailure(
  error: unknown,
  service: string,
  retryAfterSeconds: number,
): ClassifiedFailure {
  const code = (error as { code?: unknown })?.code;
  const retryAfter = { 'Retry-After': String(retryAfterSeconds) };
  if (error instanceof ClientClosedError) return { outcome: 'client_closed' };
  if (error instanceof ClientBodyTimeoutError) {
    return {
      outcome: 'client_timeout',
      // The rest of the body may still trickle in: close rather than read it for keep-alive.
      httpError: new HttpError(408, 'Request body not received in time', {
        headers: { Connection: 'close' },
        details: { timeoutMs: error.timeoutMs },
        cause: error,
      }),
    };
  }
  if (code === 'EOPENBREAKER') {
    return {
      outcome: 'circuit_open',
      httpError: new HttpError(503, `The ${service} service is temporarily unavailable`, {
        headers: retryAfter,
        details: { service, reason: 'circuit_open' },
        cause: error,
      }),
    };
  }
  if (error instanceof UpstreamTimeoutError) {
    return {
      outcome: 'timeout',
      httpError: new HttpError(504, `The ${service} service did not answer in time`, {
        details: { service, reason: 'timeout', timeoutMs: error.timeoutMs },
        cause: error,
      }),
    };
  }
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
    return {
      outcome: 'unavailable',
      httpError: new HttpError(503, `The ${service} service is unavailable`, {
        headers: retryAfter,
        details: { service, reason: 'unreachable' },
        cause: error,
      }),
    };
  }
  return {
    outcome: 'error',
    httpError: new HttpError(502, `Bad response from the ${service} service`, {
      details: { service, reason: 'proxy_error' },
      cause: error,
    }),
  };
}

/**
 * A write reached the upstream (or may have) and the exchange broke before its answer: the work
 * may be done. Not a 503 (which promises nothing happened): 502, or 504 after a timeout, with the
 * Idempotency-Key to repeat the request with; a repeat with it answers the original outcome.
 */
export function outcomeUnknown(
  error: unknown,
  service: string,
  idempotencyKey: string | undefined,
): ClassifiedFailure {
  const status = error instanceof UpstreamTimeoutError ? 504 : 502;
  return {
    outcome: 'outcome_unknown',
    httpError: new HttpError(status, `The ${service} service may have done this request; repeat it to know`, {
      headers: { 'Retry-After': '1', ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}) },
      details: { service, reason: 'outcome_unknown', ...(idempotencyKey ? { idempotencyKey } : {}) },
      cause: error,
    }),
  };
}
