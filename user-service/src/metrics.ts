import type { ServiceMetrics } from '@ecom/service-kit';
import { Counter, Gauge } from 'prom-client';
import type { PasswordHasher } from './auth/passwords';

export interface UserMetrics {
  registrations: Counter;
  logins: Counter<'outcome'>;
  refreshes: Counter<'outcome'>;
}

export function createUserMetrics(metrics: ServiceMetrics, passwords: PasswordHasher): UserMetrics {
  const registers = [metrics.registry];
  new Gauge({
    name: 'user_password_hash_queue',
    help: 'Sign-ups and logins waiting for a bcrypt slot (BCRYPT_CONCURRENCY run at once)',
    registers,
    collect() {
      this.set(passwords.queued);
    },
  });
  return {
    registrations: new Counter({ name: 'user_registrations_total', help: 'Accounts created', registers }),
    logins: new Counter({
      name: 'user_logins_total',
      help: 'Login attempts by outcome (success, failure)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    refreshes: new Counter({
      name: 'user_token_refreshes_total',
      help: 'Refresh token exchanges by outcome (success, failure)',
      labelNames: ['outcome'] as const,
      registers,
    }),
  };
}
