import type { Logger, ServiceMetrics } from '@ecom/service-kit';
import { Counter, Gauge } from 'prom-client';

export interface OrderMetrics {
  created: Counter;
  failed: Counter<'reason'>;
  value: Counter<'currency'>;
  transitions: Counter<'from' | 'to'>;
  outboxBacklog: Gauge;
  circuitState: Gauge;
  releasesPending: Gauge;
  bookkeepingFailures: Counter<'operation'>;
}

/** Values of product_client_circuit_state. */
export const CIRCUIT_STATE = { closed: 0, halfOpen: 1, open: 2 } as const;

export function createOrderMetrics(metrics: ServiceMetrics): OrderMetrics {
  const registers = [metrics.registry];
  return {
    created: new Counter({ name: 'orders_created_total', help: 'Orders placed', registers }),
    failed: new Counter({
      name: 'orders_failed_total',
      help: 'Order placements that failed, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    value: new Counter({
      name: 'order_value_total',
      help: 'Revenue of placed orders in currency units (e.g. dollars)',
      labelNames: ['currency'] as const,
      registers,
    }),
    transitions: new Counter({
      name: 'order_status_transitions_total',
      help: 'Order status changes, by previous and new status',
      labelNames: ['from', 'to'] as const,
      registers,
    }),
    outboxBacklog: new Gauge({
      name: 'order_outbox_backlog',
      help: 'Orders holding events not yet published to the Redis stream',
      registers,
    }),
    circuitState: new Gauge({
      name: 'product_client_circuit_state',
      help: 'Circuit breaker around product-service reservations: 0 closed, 1 half-open, 2 open',
      registers,
    }),
    bookkeepingFailures: new Counter({
      name: 'order_bookkeeping_failures_total',
      help: 'Bookkeeping writes that failed and were left to a later pass, by operation',
      labelNames: ['operation'] as const,
      registers,
    }),
    releasesPending: new Gauge({
      name: 'inventory_releases_pending',
      help: 'Reservations this service still has to release on product-service',
      registers,
    }),
  };
}

/**
 * The handler for an error the order path carries on after (a guard left for the retrier, an
 * event left for the next pass): never silent, it is logged with the order id and counted.
 */
export function recoveredError(
  deps: { metrics: Pick<OrderMetrics, 'bookkeepingFailures'>; log: Logger },
  operation: string,
  orderId: string,
  message: string,
): (error: unknown) => void {
  return (error) => {
    deps.metrics.bookkeepingFailures.inc({ operation });
    deps.log.warn({ err: error, orderId, operation }, message);
  };
}
