import { metricsFactory } from '@ecom/service-kit';
import type { Counter, Gauge, Registry } from 'prom-client';

export type CacheName = 'product' | 'product_list' | 'category' | 'category_list';

export interface CatalogMetrics {
  cacheRequests: Counter<'cache' | 'result'>;
  cacheAvailable: Gauge;
  reservations: Counter<'outcome'>;
  releases: Counter<'outcome'>;
  stockouts: Counter;
  abandonedTakes: Counter;
  bookkeepingFailures: Counter<'operation'>;
  orderEvents: Counter<'type' | 'outcome'>;
}

/** Business metrics of this service, registered next to the kit's HTTP metrics. */
export function createCatalogMetrics(registry: Registry): CatalogMetrics {
  const { counter, gauge } = metricsFactory(registry);
  const cacheAvailable = gauge(
    'product_cache_available',
    '1 while Redis answers cache commands, 0 while the cache is bypassed',
  );
  cacheAvailable.set(1);
  return {
    cacheRequests: counter(
      'product_cache_requests_total',
      'Cache lookups by cache name and result (hit, miss, bypass when Redis is down)',
      ['cache', 'result'],
    ),
    cacheAvailable,
    reservations: counter('inventory_reservations_total', 'Reservation requests by outcome', ['outcome']),
    releases: counter('inventory_releases_total', 'Reservation releases by outcome', ['outcome']),
    stockouts: counter(
      'inventory_stockouts_total',
      'Times a reservation took the last unit of a product (stock reached 0)',
    ),
    abandonedTakes: counter(
      'inventory_abandoned_takes_total',
      'Product lines whose units the crash recovery put back (a take that died or lost its reservation)',
    ),
    bookkeepingFailures: counter(
      'inventory_bookkeeping_failures_total',
      'Failed passes of the stock bookkeeping loops (holds markers flush, crash recovery), by loop',
      ['operation'],
    ),
    orderEvents: counter(
      'order_events_processed_total',
      'Order events read from the stream, by type and outcome',
      ['type', 'outcome'],
    ),
  };
}
