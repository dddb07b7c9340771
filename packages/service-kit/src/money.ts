/**
 * Money travels as decimal numbers (29.99) and is stored as integer cents so sums never drift.
 * One conversion for every service: inputs are validated at the edge (zod, hasAtMostTwoDecimals),
 * so anything that still is not a whole number of cents is a bug and throws instead of rounding.
 */

/** True when the number has at most two decimals (29.99 yes, 29.999 no), allowing for binary noise. */
export function hasAtMostTwoDecimals(value: number): boolean {
  return Math.abs(value * 100 - Math.round(value * 100)) < 1e-6;
}

export function toCents(amount: number): number {
  // 29.99 * 100 is 2998.9999999999995: rounding removes the noise, anything further is not a price.
  const cents = Math.round(amount * 100);
  if (!Number.isSafeInteger(cents) || cents < 0 || !hasAtMostTwoDecimals(amount)) {
    throw new RangeError(`not an amount in cents: ${amount}`);
  }
  return cents;
}

/** Division by 100 is correctly rounded, so 5998 becomes exactly the double written as 59.98. */
export function fromCents(cents: number): number {
  return cents / 100;
}
