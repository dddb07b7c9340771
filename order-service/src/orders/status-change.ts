import type { AuthUser } from '@ecom/service-kit';
import { statusChangeEvents } from './order-events';
import type { OrderMetrics } from '../metrics';
import {
  AdminOnlyTransition,
  ConcurrentStatusChange,
  IllegalTransition,
  NotCancellableByCustomer,
} from './order-errors';
import type { OrderStatus, OutboxKick } from './order-types';
import type { PendingUnitsLimit } from '../holds/pending-units-limit';
import type { OrderStore } from './order-store';
import { findVisibleOrder } from './queries';
import { type OrderJson, toOrderJson } from './serialize';

/** The order lifecycle: anything not listed here is refused. */
export const NEXT_STATUSES: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['confirmed', 'cancelled'],
  confirmed: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};

/** Admins may make any legal transition; an owner may only cancel while the order is pending. */
export function assertTransitionAllowed(from: OrderStatus, to: OrderStatus, isAdmin: boolean): void {
  if (!isAdmin && to !== 'cancelled') {
    throw new AdminOnlyTransition(to);
  }
  if (!NEXT_STATUSES[from].includes(to)) {
    throw new IllegalTransition(from, to, NEXT_STATUSES[from]);
  }
  if (!isAdmin && from !== 'pending') {
    throw new NotCancellableByCustomer(from);
  }
}

/** A change that lost a race is judged again against what won; this many times at most. */
const ATTEMPTS = 5;

export interface StatusChangeDeps {
  orderStore: OrderStore;
  metrics: Pick<OrderMetrics, 'transitions'>;
  outboxRelay: OutboxKick;
  pendingUnits: PendingUnitsLimit;
}

/**
 * Judges the request against the order's status and applies it with a write guarded by that
 * status. When another change got there first, the request is judged again against its result
 * (cancelling a just-confirmed order is still fine for an admin), so no transition overwrites another.
 */
export async function changeStatus(
  deps: StatusChangeDeps,
  orderId: string,
  target: OrderStatus,
  user: AuthUser,
): Promise<OrderJson> {
  const isAdmin = user.role === 'admin';
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const current = await findVisibleOrder(deps.orderStore, orderId, user);
    assertTransitionAllowed(current.status, target, isAdmin);
    const at = new Date();
    const events = statusChangeEvents(current, { from: current.status, to: target, by: user.id, at });
    const updated = await deps.orderStore.transition(orderId, {
      from: current.status,
      to: target,
      entry: { status: target, at, by: user.id },
      events,
    });
    if (updated) {
      deps.metrics.transitions.inc({ from: current.status, to: target });
      if (current.status === 'pending') await deps.pendingUnits.release(current.userId, orderId);
      deps.outboxRelay.kick(orderId, updated);
      return toOrderJson(updated);
    }
  }
  throw new ConcurrentStatusChange();
}
