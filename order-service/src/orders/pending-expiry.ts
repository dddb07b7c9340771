import { createBackgroundLoop, type Logger } from '@ecom/service-kit';
import { statusChangeEvents } from './order-events';
import type { PendingUnitsLimit } from '../holds/pending-units-limit';
import type { OrderMetrics } from '../metrics';
import type { OutboxKick } from './order-types';
import type { OrderStore } from './order-store';

export const EXPIRED_BY = 'system';

export interface PendingExpiryDeps {
  orderStore: OrderStore;
  pendingUnits: PendingUnitsLimit;
  outboxRelay: OutboxKick;
  metrics: Pick<OrderMetrics, 'transitions'>;
  ttlMs: number;
  logger: Logger;
}

/**
 * One pass of the expiry: pending orders older than the TTL are cancelled by the system with
 * reason `expired`. The cancellation's `order.cancelled` event gives the stock back (product-service
 * consumes it), exactly as when a customer cancels. An order someone else moved meanwhile is skipped.
 */
export async function expirePendingOrders(deps: PendingExpiryDeps, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - deps.ttlMs);
  const expired = await deps.orderStore.expireDue(cutoff, async (order) => {
    const id = String(order._id);
    const updated = await deps.orderStore.transition(id, {
      from: 'pending',
      to: 'cancelled',
      entry: { status: 'cancelled', at: now, by: EXPIRED_BY, reason: 'expired' },
      events: statusChangeEvents(order, { from: 'pending', to: 'cancelled', by: EXPIRED_BY, at: now }),
    });
    if (!updated) return false;
    deps.metrics.transitions.inc({ from: 'pending', to: 'cancelled' });
    await deps.pendingUnits.release(order.userId, id);
    deps.outboxRelay.kick(id, updated);
    return true;
  });
  if (expired > 0) deps.logger.info({ expired, ttlMs: deps.ttlMs }, 'pending orders expired');
  return expired;
}

const MAX_EXPIRY_INTERVAL_MS = 60_000;

/** The expiry as a background loop: a pass every quarter of the TTL, at least once a minute. */
export function createPendingExpiry(
  deps: PendingExpiryDeps & { metrics: Pick<OrderMetrics, 'bookkeepingFailures'> },
) {
  return createBackgroundLoop({
    name: 'pending-expiry',
    intervalMs: Math.min(MAX_EXPIRY_INTERVAL_MS, Math.ceil(deps.ttlMs / 4)),
    task: async () => {
      await expirePendingOrders(deps);
    },
    logger: deps.logger,
    failures: deps.metrics.bookkeepingFailures,
  });
}
