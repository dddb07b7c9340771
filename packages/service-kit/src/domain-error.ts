/**
 * Why a use case or store refused, in the domain's words; the error handler alone turns each
 * refusal into an HTTP status (see `STATUS_OF_REFUSAL`), so nothing below the routes knows HTTP.
 */
export type Refusal =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unprocessable'
  | 'unavailable'
  | 'client_gone';

export interface DomainErrorOptions {
  details?: unknown;
  /**
   * When the caller may try again (Retry-After): `unavailable` always states one (default 5 s);
   * another refusal only when given (a conflict that clears on its own, e.g. a request in flight).
   */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/**
 * The base of every refusal a use case or store throws. Services name their own
 * (`class InsufficientStock extends DomainError`), so a test or caller can tell them apart.
 */
export class DomainError extends Error {
  readonly refusal: Refusal;
  readonly details?: unknown;
  readonly retryAfterSeconds?: number;

  constructor(refusal: Refusal, message: string, options: DomainErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.refusal = refusal;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The one mapping from refusal to status; 499 is nginx's "client closed request". */
export const STATUS_OF_REFUSAL: Readonly<Record<Refusal, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  client_gone: 499,
  unavailable: 503,
};
