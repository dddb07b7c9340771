import type { UserServiceConfig } from '../config';
import type { UserStore } from '../users/user-store';
import { InvalidRefreshToken } from './auth-errors';
import type { RefreshTokenStore } from './refresh-tokens';
import { type Session, startSession } from './sessions';

/**
 * Trades a refresh token for a new pair. The new pair is issued before the old token is spent:
 * spending is the one atomic step that decides a race, and a concurrent reuse that loses it
 * revokes every token of the user, the winner's new one included since it already exists.
 */
export async function refreshSession(
  token: string,
  deps: {
    users: Pick<UserStore, 'byId'>;
    refreshTokens: RefreshTokenStore;
    config: Pick<UserServiceConfig, 'accessTokens' | 'accessTokenTtlSeconds'>;
  },
): Promise<Session> {
  const { users, refreshTokens, config } = deps;
  const userId = await refreshTokens.ownerOf(token);
  const user = await users.byId(userId);
  if (!user) throw new InvalidRefreshToken();
  const session = await startSession(user, refreshTokens, config);
  await refreshTokens.consume(token, session.refreshToken);
  return session;
}
