import type { RouteDoc } from '@ecom/service-kit';
import { z } from 'zod';
import {
  authResponseSchema,
  loginBody,
  publicUserSchema,
  refreshBody,
  registerBody,
  updateProfileBody,
} from './users/user-schemas';

const tags = ['Auth'];
const profileResponse = z.object({ user: publicUserSchema });

export const userRoutesDoc: RouteDoc[] = [
  {
    method: 'post',
    path: '/auth/register',
    summary: 'Create a customer account and sign in',
    tags,
    body: registerBody,
    responses: {
      201: { description: 'Account created', schema: authResponseSchema },
      400: { description: 'Invalid input' },
      409: { description: 'Email already registered' },
    },
  },
  {
    method: 'post',
    path: '/auth/login',
    summary: 'Exchange email and password for tokens',
    tags,
    body: loginBody,
    responses: {
      200: { description: 'Signed in', schema: authResponseSchema },
      400: { description: 'Invalid input' },
      401: { description: 'Wrong email or password' },
    },
  },
  {
    method: 'post',
    path: '/auth/refresh',
    summary: 'Rotate a refresh token into a new token pair',
    tags,
    body: refreshBody,
    responses: {
      200: { description: 'New token pair', schema: authResponseSchema },
      401: { description: 'Unknown, expired or already used refresh token' },
    },
  },
  {
    method: 'post',
    path: '/auth/logout',
    summary: 'Revoke a refresh token',
    tags,
    body: refreshBody,
    responses: { 204: { description: 'Revoked (also when it was already invalid)' } },
  },
  {
    method: 'get',
    path: '/auth/profile',
    summary: 'The signed-in user',
    tags,
    auth: 'bearer',
    responses: {
      200: { description: 'Profile', schema: profileResponse },
      401: { description: 'Not signed in' },
    },
  },
  {
    method: 'put',
    path: '/auth/profile',
    summary: 'Change name and/or password (password needs currentPassword)',
    tags,
    auth: 'bearer',
    body: updateProfileBody,
    responses: {
      200: { description: 'Updated profile', schema: profileResponse },
      400: { description: 'Invalid input' },
      401: { description: 'Not signed in' },
      403: { description: 'Current password is incorrect' },
    },
  },
];
