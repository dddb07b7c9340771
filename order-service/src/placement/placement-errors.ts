import { DomainError } from '@ecom/service-kit';

/** The Idempotency-Key came back with another request: replaying its order would be a lie. */
export class IdempotencyKeyReused extends DomainError {
  constructor() {
    super('unprocessable', 'Idempotency-Key was already used with a different request body');
  }
}

/** The first request with this key is still being placed; its answer is ready soon. */
export class IdempotencyKeyInFlight extends DomainError {
  constructor() {
    super('conflict', 'A request with this Idempotency-Key is still being processed', {
      retryAfterSeconds: 1,
    });
  }
}

/** product-service has too few units of some products; its message and details pass through unchanged. */
export class InsufficientStock extends DomainError {
  constructor(message: string, details: unknown) {
    super('conflict', message, { details });
  }
}

/**
 * product-service refused the products themselves (unknown, inactive, or a request it could not
 * read); its message and details pass through unchanged.
 */
export class ProductsUnavailable extends DomainError {
  constructor(message: string, details: unknown) {
    super('unprocessable', message, { details });
  }
}

/** product-service gave no answer to act on (down, slow, failing, or the circuit is open). */
export class ProductServiceUnavailable extends DomainError {
  constructor(retryAfterSeconds: number, cause: unknown) {
    super('unavailable', 'Product service is unavailable; please retry shortly', {
      retryAfterSeconds,
      cause,
    });
  }
}
