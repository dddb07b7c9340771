import { DomainError } from '@ecom/service-kit';

/** The unique email index refused a second account for this address. */
export class EmailTaken extends DomainError {
  constructor() {
    super('conflict', 'An account with this email already exists');
  }
}
