import { hasAtMostTwoDecimals } from '@ecom/service-kit';
import { z } from 'zod';

export const MAX_PRICE = 1_000_000;

/** A price in a request: cents are whole, so the kit's toCents never sees anything else. */
export const priceSchema = z
  .number()
  .min(0)
  .max(MAX_PRICE)
  .refine(hasAtMostTwoDecimals, 'must have at most 2 decimal places')
  .meta({ multipleOf: 0.01 });
