/** product-service refused the reservation (409 stock, 422 product, 400 input): nothing was reserved. */
export class InventoryRejection extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'InventoryRejection';
  }
}

/**
 * product-service could not give us an answer we can act on. `outcomeUnknown` says whether it may
 * still have reserved stock for the order (timeout, reset, 5xx, garbled 2xx): then we must release.
 */
export class InventoryUnavailable extends Error {
  readonly outcomeUnknown: boolean;
  readonly circuitOpen: boolean;

  constructor(message: string, options: { outcomeUnknown: boolean; circuitOpen?: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'InventoryUnavailable';
    this.outcomeUnknown = options.outcomeUnknown;
    this.circuitOpen = options.circuitOpen ?? false;
  }
}
