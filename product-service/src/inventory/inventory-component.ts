import type { Logger, Redis } from '@ecom/service-kit';
import type { Connection } from 'mongoose';
import type { CatalogCache } from '../cache/catalog-cache';
import type { CatalogMetrics } from '../metrics';
import { createInventory, type Inventory } from './inventory';
import { createOrderEventsConsumer, type OrderEventsOptions } from './order-events-consumer';
import { createStockStore, type StockStore } from './stock-store';
import { createStockSweep, type StockSweep, type StockSweepOptions } from './stock-sweep';

export interface InventoryComponentDeps {
  connection: Connection;
  cache: Pick<CatalogCache, 'stockChanged'>;
  metrics: CatalogMetrics;
  logger: Logger;
  /** How long a call waits for another call working on the same order (tests shorten it). */
  orderWaitMs?: number;
  /** The holds bookkeeping's intervals and grace period (tests shorten them). */
  sweep?: StockSweepOptions;
  /** The order-events stream to consume, and how to open the Redis connection it is read on. */
  events: OrderEventsOptions & { openRedis: () => Redis };
}

export interface InventoryComponent {
  stock: StockStore;
  sweep: StockSweep;
  inventory: Inventory;
  /** Starts the bookkeeping loops and the order-events consumer; returns what stops each. */
  startBackground(): Array<() => Promise<void>>;
}

/** The reservations: their store, the use cases, and the background work that keeps them exact. */
export async function createInventoryComponent(deps: InventoryComponentDeps): Promise<InventoryComponent> {
  const { cache, metrics, logger, events } = deps;
  const stock = await createStockStore(deps.connection, { logger, waitMs: deps.orderWaitMs });
  const waitMs = deps.orderWaitMs ?? 3_000;
  const sweep = createStockSweep(
    { stock, cache, metrics, logger },
    { graceMs: Math.max(60_000, 2 * waitMs), ...deps.sweep },
  );
  const inventory = createInventory({ stock, sweep, cache, metrics });

  const startConsumer = () => {
    const { openRedis, ...options } = events;
    const consumer = createOrderEventsConsumer(
      {
        redis: openRedis(),
        inventory,
        logger,
        metrics,
      },
      options,
    );
    consumer.start();
    return () => consumer.stop();
  };

  return { stock, sweep, inventory, startBackground: () => [sweep.start(), startConsumer()] };
}
