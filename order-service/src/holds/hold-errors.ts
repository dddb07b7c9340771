import { DomainError } from '@ecom/service-kit';

/** The customer's pending orders would hold more units than one customer may. */
export class PendingUnitsLimitReached extends DomainError {
  constructor(maxPendingUnits: number, requestedUnits: number) {
    super(
      'conflict',
      `Orders awaiting payment may hold at most ${maxPendingUnits} units per customer; ` +
        'confirm or cancel a pending order first',
      { details: { reason: 'pending_units_limit', maxPendingUnits, requestedUnits } },
    );
  }
}

/** The pending orders placed from one client address, across its accounts, would hold too many units. */
export class AddressPendingUnitsLimitReached extends DomainError {
  constructor(maxPendingUnits: number, requestedUnits: number) {
    super(
      'conflict',
      `Orders awaiting payment from one client address may hold at most ` +
        `${maxPendingUnits} units; confirm or cancel a pending order first`,
      { details: { reason: 'address_pending_units_limit', maxPendingUnits, requestedUnits } },
    );
  }
}
