import { DomainError } from '@ecom/service-kit';
import type { OrderStatus } from './order-types';

/** A customer asked for a status only an admin may set (they may only cancel). */
export class AdminOnlyTransition extends DomainError {
  constructor(to: OrderStatus) {
    super('forbidden', `Only an admin can set an order to ${to}`);
  }
}

/** The lifecycle has no step from the order's status to the one asked for. */
export class IllegalTransition extends DomainError {
  constructor(from: OrderStatus, to: OrderStatus, allowed: readonly OrderStatus[]) {
    super('conflict', `Order is ${from} and cannot become ${to}`, {
      details: { currentStatus: from, allowed },
    });
  }
}

/** A customer may cancel only while the order awaits payment. */
export class NotCancellableByCustomer extends DomainError {
  constructor(from: OrderStatus) {
    super('conflict', `Order is ${from}; only pending orders can be cancelled by the customer`, {
      details: { currentStatus: from },
    });
  }
}

/** Every attempt lost its race to another change of the order; a retry is judged afresh. */
export class ConcurrentStatusChange extends DomainError {
  constructor() {
    super('conflict', 'Order was changed by someone else; please retry', { retryAfterSeconds: 1 });
  }
}

/** Missing, or someone else's (reported alike, so ids cannot be probed for existence). */
export class OrderNotFound extends DomainError {
  constructor() {
    super('not_found', 'Order not found');
  }
}

/** A customer asked for another user's orders. */
export class OthersOrdersForbidden extends DomainError {
  constructor() {
    super('forbidden', "Only admins can list other users' orders");
  }
}
