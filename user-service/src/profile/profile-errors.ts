import { DomainError } from '@ecom/service-kit';

/** The signed-in account no longer exists (its token outlived it). */
export class AccountNotFound extends DomainError {
  constructor() {
    super('not_found', 'User not found');
  }
}

/** A password change whose current password does not match. */
export class WrongCurrentPassword extends DomainError {
  constructor() {
    super('forbidden', 'Current password is incorrect');
  }
}
