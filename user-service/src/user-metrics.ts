import type { ServiceMetrics } from '@ecom/service-kit';
import { Counter } from 'prom-client';

export interface UserMetrics {
  registrations: Counter;
  logins: Counter<'outcome'>;
  refreshes: Counter<'outcome'>;
}

export function createUserMetrics(metrics: ServiceMetrics): UserMetrics {
  const registers = [metrics.registry];
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
