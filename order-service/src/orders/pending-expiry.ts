import type { Logger } from '@ecom/service-kit';
import { statusChangeEvents } from './order-events';
import type { PendingUnitsLimit } from '../holds/pending-units-limit';
import type { OrderMetrics } from '../metrics';
import type { OrderModel } from './order-model';
import type { OrderStore } from './order-store';

export const EXPIRED_BY = 'system';
const BATCH = 100;

export interface PendingExpiryDeps {
  orders: OrderModel;
  orderStore: OrderStore;
  pendingUnits: PendingUnitsLimit;
  outboxRelay: { kick(orderId?: string): void };
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
  let expired = 0;
  for (;;) {
    const due = await deps.orders
      .find({ status: 'pending', createdAt: { $lt: cutoff } }, { items: 1, userId: 1 })
      .limit(BATCH)
      .lean();
    let moved = 0;
    for (const order of due) {
      const id = String(order._id);
      const updated = await deps.orderStore.transition(id, {
        from: 'pending',
        to: 'cancelled',
        entry: { status: 'cancelled', at: now, by: EXPIRED_BY, reason: 'expired' },
        events: statusChangeEvents(order, { from: 'pending', to: 'cancelled', by: EXPIRED_BY, at: now }),
      });
      if (!updated) continue;
      moved += 1;
      deps.metrics.transitions.inc({ from: 'pending', to: 'cancelled' });
      await deps.pendingUnits.release(order.userId, id);
      deps.outboxRelay.kick(id);
    }
    expired += moved;
    if (due.length < BATCH || moved === 0) break;
  }
  if (expired > 0) deps.logger.info({ expired, ttlMs: deps.ttlMs }, 'pending orders expired');
  return expired;
}
