import type { JwtSettings } from './auth';

/** The JWT_* variables of jwtEnvShape, as any service's parsed config carries them. */
export interface JwtEnv {
  JWT_SECRET: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
}

/** The one mapping from config to verification settings, so no service spells it out again. */
export function jwtSettingsFrom(config: JwtEnv): JwtSettings {
  return { secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE };
}
