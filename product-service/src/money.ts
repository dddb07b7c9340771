import { z } from 'zod';

/** Prices travel as decimal numbers (29.99) and are stored as integer cents, so sums never drift. */
export const MAX_PRICE = 1_000_000;

export function toCents(price: number): number {
  return Math.round(price * 100);
}

export function fromCents(cents: number): number {
  return cents / 100;
}

/** True when the number has at most two decimals (29.99 yes, 29.999 no), allowing for binary noise. */
export function hasAtMostTwoDecimals(value: number): boolean {
  return Math.abs(value * 100 - Math.round(value * 100)) < 1e-6;
}

export const priceSchema = z
  .number()
  .min(0)
  .max(MAX_PRICE)
  .refine(hasAtMostTwoDecimals, 'must have at most 2 decimal places')
  .meta({ multipleOf: 0.01 });
