import { nonBlankText, ROLES } from '@ecom/service-kit';
import { z } from 'zod';

/**
 * The addresses accepted, as one pattern both zod and the OpenAPI document use: letters, digits
 * and . _ % + - before the @, dot-separated labels and a 2-24 letter top-level domain after it.
 */
const EMAIL = '^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})*\\.[A-Za-z]{2,24}$';

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.string().max(254).regex(new RegExp(EMAIL), 'must be a valid email address'))
  // The pipe's input side has no rules of its own: say them in the document.
  .meta({ pattern: EMAIL, maxLength: 254 });

/** bcrypt reads only the first 72 bytes: two passwords that differ after them would be the same password. */
export const PASSWORD_MAX_BYTES = 72;

export const passwordSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(PASSWORD_MAX_BYTES, `must be at most ${PASSWORD_MAX_BYTES} bytes`)
  .refine((value) => Buffer.byteLength(value, 'utf8') <= PASSWORD_MAX_BYTES, {
    error: `must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8 (accented letters take 2, most other scripts 3)`,
  })
  .meta({ description: `8 characters to ${PASSWORD_MAX_BYTES} bytes in UTF-8` });

export const registerBody = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  name: nonBlankText(100),
});

export const loginBody = z.strictObject({
  email: emailSchema,
  password: z.string().min(1).max(1024),
});

export const refreshBody = z.strictObject({
  refreshToken: z.string().min(1).max(512),
});

export const updateProfileBody = z
  .strictObject({
    name: nonBlankText(100).optional(),
    password: passwordSchema.optional(),
    currentPassword: z.string().min(1).max(1024).optional(),
  })
  .refine((body) => body.name !== undefined || body.password !== undefined, {
    error: 'nothing to update: give a name or a password',
  })
  .refine((body) => body.password === undefined || body.currentPassword !== undefined, {
    error: 'currentPassword is required to change the password',
    path: ['currentPassword'],
  })
  // The two rules above, for the document: a name alone, or a password with the current one.
  .meta({
    anyOf: [{ required: ['name'] }, { required: ['password'] }],
    dependentRequired: { password: ['currentPassword'] },
  });

export const publicUserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const tokenPairSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().describe('access token lifetime in seconds'),
});

export const authResponseSchema = tokenPairSchema.extend({ user: publicUserSchema });
