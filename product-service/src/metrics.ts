import { Counter, Gauge, type Registry } from 'prom-client';

export type CacheName = 'product' | 'product_list' | 'category' | 'category_list';

export interface CatalogMetrics {
  cacheRequests: Counter<'cache' | 'result'>;
  cacheAvailable: Gauge;
  reservations: Counter<'outcome'>;
  releases: Counter<'outcome'>;
  stockouts: Counter;
  orderEvents: Counter<'type' | 'outcome'>;
}

/** Business metrics of this service, registered next to the kit's HTTP metrics. */
export function createCatalogMetrics(registry: Registry): CatalogMetrics {
  const registers = [registry];
  const cacheAvailable = new Gauge({
    name: 'product_cache_available',
    help: '1 while Redis answers cache commands, 0 while the cache is bypassed',
    registers,
  });
  cacheAvailable.set(1);
  return {
    cacheRequests: new Counter({
      name: 'product_cache_requests_total',
      help: 'Cache lookups by cache name and result (hit, miss, bypass when Redis is down)',
      labelNames: ['cache', 'result'] as const,
      registers,
    }),
    cacheAvailable,
    reservations: new Counter({
      name: 'inventory_reservations_total',
      help: 'Reservation requests by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    releases: new Counter({
      name: 'inventory_releases_total',
      help: 'Reservation releases by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    stockouts: new Counter({
      name: 'inventory_stockouts_total',
      help: 'Times a reservation took the last unit of a product (stock reached 0)',
      registers,
    }),
    orderEvents: new Counter({
      name: 'order_events_processed_total',
      help: 'Order events read from the stream, by type and outcome',
      labelNames: ['type', 'outcome'] as const,
      registers,
    }),
  };
}
