import { metricsFactory, type ServiceMetrics } from '@ecom/service-kit';
import type { Counter } from 'prom-client';
import type { PasswordHasher } from './auth/passwords';

export interface UserMetrics {
  registrations: Counter;
  logins: Counter<'outcome'>;
  refreshes: Counter<'outcome'>;
}

export function createUserMetrics(metrics: ServiceMetrics, passwords: PasswordHasher): UserMetrics {
  const { counter, gauge } = metricsFactory(metrics.registry);
  gauge(
    'user_password_hash_queue',
    'Sign-ups and logins waiting for a bcrypt slot (BCRYPT_CONCURRENCY run at once)',
    [],
    (queue) => queue.set(passwords.queued),
  );
  return {
    registrations: counter('user_registrations_total', 'Accounts created'),
    logins: counter('user_logins_total', 'Login attempts by outcome (success, failure)', ['outcome']),
    refreshes: counter(
      'user_token_refreshes_total',
      'Refresh token exchanges by outcome (success, failure)',
      ['outcome'],
    ),
  };
}
