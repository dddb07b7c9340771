import { type Logger, metricsFactory, type ServiceMetrics } from '@ecom/service-kit';
import type { Counter, Gauge } from 'prom-client';

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
  const { counter, gauge } = metricsFactory(metrics.registry);
  return {
    created: counter('orders_created_total', 'Orders placed'),
    failed: counter('orders_failed_total', 'Order placements that failed, by reason', ['reason']),
    value: counter('order_value_total', 'Revenue of placed orders in currency units (e.g. dollars)', [
      'currency',
    ]),
    transitions: counter(
      'order_status_transitions_total',
      'Order status changes, by previous and new status',
      ['from', 'to'],
    ),
    outboxBacklog: gauge(
      'order_outbox_backlog',
      'Orders holding events not yet published to the Redis stream',
    ),
    circuitState: gauge(
      'product_client_circuit_state',
      'Circuit breaker around product-service reservations: 0 closed, 1 half-open, 2 open',
    ),
    bookkeepingFailures: counter(
      'order_bookkeeping_failures_total',
      'Bookkeeping writes that failed and were left to a later pass, by operation',
      ['operation'],
    ),
    releasesPending: gauge(
      'inventory_releases_pending',
      'Reservations this service still has to release on product-service',
    ),
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
