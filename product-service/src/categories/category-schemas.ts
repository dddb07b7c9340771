import { nonBlankText } from '@ecom/service-kit';
import { z } from 'zod';

/** POST /categories and PUT /categories/:id (PUT replaces both fields). */
export const categoryInputSchema = z.strictObject({
  name: nonBlankText(100).describe('Unique, case-insensitive'),
  description: z.string().trim().max(2_000).default(''),
});

export type CategoryInput = z.output<typeof categoryInputSchema>;

export const categoryResponse = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type CategoryView = z.output<typeof categoryResponse>;
