import { ROLES } from '@ecom/service-kit';
import { z } from 'zod';

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email('must be a valid email address').max(254));

/** bcrypt reads only the first 72 bytes: two passwords that differ after them would be the same password. */
export const PASSWORD_MAX_BYTES = 72;

export const passwordSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(PASSWORD_MAX_BYTES, `must be at most ${PASSWORD_MAX_BYTES} bytes`)
  .refine((value) => Buffer.byteLength(value, 'utf8') <= PASSWORD_MAX_BYTES, {
    message: `must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8 (accented letters take 2, most other scripts 3)`,
  })
  .meta({ description: `8 characters to ${PASSWORD_MAX_BYTES} bytes in UTF-8` });

export const registerBody = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  name: z.string().trim().min(1).max(100),
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
    name: z.string().trim().min(1).max(100).optional(),
    password: passwordSchema.optional(),
    currentPassword: z.string().min(1).max(1024).optional(),
  })
  .refine((body) => body.name !== undefined || body.password !== undefined, {
    message: 'nothing to update: give a name or a password',
  })
  .refine((body) => body.password === undefined || body.currentPassword !== undefined, {
    message: 'currentPassword is required to change the password',
    path: ['currentPassword'],
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
