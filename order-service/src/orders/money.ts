/**
 * Money is stored as integer cents so totals never drift; the API shows decimal amounts.
 * product-service sends prices as decimal numbers (29.99), which we convert exactly once here.
 */
export function toCents(amount: number): number {
  const cents = Math.round(amount * 100);
  // 29.99 * 100 is 2998.9999999999995: anything further from a whole cent is not a price.
  if (!Number.isSafeInteger(cents) || cents < 0 || Math.abs(amount * 100 - cents) > 1e-6) {
    throw new RangeError(`not an amount in cents: ${amount}`);
  }
  return cents;
}

/** Division by 100 is correctly rounded, so 5998 becomes exactly the double written as 59.98. */
export function fromCents(cents: number): number {
  return cents / 100;
}
