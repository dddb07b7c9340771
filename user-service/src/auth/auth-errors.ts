import { DomainError } from '@ecom/service-kit';

/** Wrong password or unknown email: one answer for both, so it reveals nobody's account. */
export class InvalidCredentials extends DomainError {
  constructor() {
    super('unauthenticated', 'Invalid email or password');
  }
}

/** A refresh token that is unknown, expired, spent, or whose account is gone. */
export class InvalidRefreshToken extends DomainError {
  constructor() {
    super('unauthenticated', 'Invalid or expired refresh token');
  }
}

/** Redis, which holds the refresh tokens, did not answer. */
export class SessionStoreUnavailable extends DomainError {
  constructor(cause: unknown) {
    super('unavailable', 'Session store unavailable, try again shortly', { retryAfterSeconds: 5, cause });
  }
}

/** The password hashing queue would keep the caller waiting longer than allowed (see passwords.ts). */
export class HashingBusy extends DomainError {
  constructor(waitMs: number) {
    super('unavailable', 'Too many sign-ups and logins at the moment; retry shortly', {
      retryAfterSeconds: Math.min(30, Math.max(1, Math.ceil(waitMs / 1_000))),
    });
  }
}

/** The caller hung up before its hash's turn: nobody reads the answer (499 is only logged). */
export class ClientGone extends DomainError {
  constructor() {
    super('client_gone', 'Client closed the request');
  }
}
