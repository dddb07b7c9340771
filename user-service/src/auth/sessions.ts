import type { UserServiceConfig } from '../config';
import { type PublicUser, toPublicUser } from '../users/public-user';
import type { UserDocument } from '../users/user-store';
import type { RefreshTokenStore } from './refresh-tokens';

export interface Session {
  user: PublicUser;
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/** Issues the access + refresh token pair every successful register, login and refresh returns. */
export async function startSession(
  user: UserDocument,
  refreshTokens: RefreshTokenStore,
  config: Pick<UserServiceConfig, 'accessTokens' | 'accessTokenTtlSeconds'>,
): Promise<Session> {
  const publicUser = toPublicUser(user);
  const accessToken = config.accessTokens.sign({ id: publicUser.id, email: user.email, role: user.role });
  const refreshToken = await refreshTokens.issue(publicUser.id);
  return {
    user: publicUser,
    accessToken,
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: config.accessTokenTtlSeconds,
  };
}
