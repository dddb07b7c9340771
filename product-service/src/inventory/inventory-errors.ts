import { DomainError } from '@ecom/service-kit';

/**
 * The reservation API's refusals. order-service reads `details.reason` (and the items), and the
 * reservation metrics count each refusal under its reason, so both stay exactly as they are.
 */

export interface UnavailableItem {
  productId: string;
  reason: 'not_found' | 'inactive';
}

export interface ShortItem {
  productId: string;
  requested: number;
  available: number;
}

export class ProductsUnavailable extends DomainError {
  constructor(items: UnavailableItem[]) {
    super('unprocessable', 'Some products cannot be ordered', { details: { reason: 'unavailable', items } });
  }
}

export class InsufficientStock extends DomainError {
  constructor(items: ShortItem[]) {
    super('conflict', 'Insufficient stock', { details: { reason: 'insufficient_stock', items } });
  }
}

/** Another call works on the same order past the wait: the caller retries after a second. */
export class InventoryBusy extends DomainError {
  constructor() {
    super('unavailable', 'Inventory is busy with this order, retry shortly', { retryAfterSeconds: 1 });
  }
}

export class OrderPlaced extends DomainError {
  constructor() {
    super(
      'conflict',
      'The order was placed: its reservation goes back when the order is cancelled, not on request',
      { details: { reason: 'order_placed' } },
    );
  }
}

export class ReservationReleased extends DomainError {
  constructor() {
    super('conflict', 'The reservation for this order was released; use a new orderId', {
      details: { reason: 'released' },
    });
  }
}

export class OrderIdReused extends DomainError {
  constructor() {
    super('unprocessable', 'This orderId already has a reservation with other items', {
      details: { reason: 'order_id_reused' },
    });
  }
}

export class ReservationNotFound extends DomainError {
  constructor() {
    super('not_found', 'No reservation for this order');
  }
}
