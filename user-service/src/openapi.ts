import { json, routeGroup, type RouteDoc } from '@ecom/service-kit';
import { z } from 'zod';
import {
  authResponseSchema,
  loginBody,
  publicUserSchema,
  refreshBody,
  registerBody,
  updateProfileBody,
} from './users/user-schemas';

const route = routeGroup({ tags: ['Auth'] });
const keysRoute = routeGroup({ tags: ['Keys'] });
const jwkSet = z.object({
  keys: z.array(
    z.object({
      kty: z.literal('OKP'),
      crv: z.literal('Ed25519'),
      x: z.string(),
      kid: z.string(),
      alg: z.string(),
      use: z.string(),
    }),
  ),
});
const profileResponse = z.object({ user: publicUserSchema });
const invalid = 'Invalid input';
const signedOut = 'Not signed in';

export const userRoutesDoc: RouteDoc[] = [
  keysRoute('get', '/.well-known/jwks.json', 'The public keys access tokens are verified with (JWK Set)', {
    responses: {
      200: json('Ed25519 public keys: the signing one, and the next or previous during a rotation', jwkSet),
    },
  }),
  route('post', '/auth/register', 'Create a customer account and sign in', {
    body: registerBody,
    responses: {
      201: json('Account created', authResponseSchema),
      400: invalid,
      409: 'Email already registered',
    },
  }),
  route('post', '/auth/login', 'Exchange email and password for tokens', {
    body: loginBody,
    responses: { 200: json('Signed in', authResponseSchema), 400: invalid, 401: 'Wrong email or password' },
  }),
  route('post', '/auth/refresh', 'Rotate a refresh token into a new token pair', {
    body: refreshBody,
    responses: {
      200: json('New token pair', authResponseSchema),
      401: 'Unknown, expired or already used refresh token',
    },
  }),
  route('post', '/auth/logout', 'Revoke a refresh token', {
    body: refreshBody,
    responses: { 204: 'Revoked (also when it was already invalid)' },
  }),
  route('get', '/auth/profile', 'The signed-in user', {
    auth: 'bearer',
    responses: { 200: json('Profile', profileResponse), 401: signedOut },
  }),
  route('put', '/auth/profile', 'Change name and/or password (password needs currentPassword)', {
    auth: 'bearer',
    body: updateProfileBody,
    responses: {
      200: json('Updated profile', profileResponse),
      400: invalid,
      401: signedOut,
      403: 'Current password is incorrect',
    },
  }),
];
