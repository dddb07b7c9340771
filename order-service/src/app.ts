import {
  createHttpApp,
  type HealthCheck,
  type Lifecycle,
  type Logger,
  openApiHandler,
  type ServiceMetrics,
} from '@ecom/service-kit';
import type { Express } from 'express';
import type { PendingUnitsLimit } from './holds/pending-units-limit';
import type { OrderMetrics } from './metrics';
import { orderRoutesDoc } from './openapi';
import type { OutboxKick } from './orders/order-types';
import type { OrderStore } from './orders/order-store';
import { orderRoutes } from './orders/order-routes';
import { type PlacementRouteDeps, placementRoutes } from './placement/placement-routes';
import type { OrderServiceSettings } from './config';

export interface OrderServiceDeps {
  settings: Pick<OrderServiceSettings, 'jwt' | 'corsOrigins' | 'bodyLimit' | 'accessLog'>;
  logger: Logger;
  metrics: ServiceMetrics;
  orderMetrics: OrderMetrics;
  orderStore: OrderStore;
  /** The placement use case (placement/): idempotency around the reserve-and-save saga. */
  placeOrder: PlacementRouteDeps['placeOrder'];
  pendingUnits: PendingUnitsLimit;
  /** The background loop a status change nudges when it leaves events to publish. */
  outboxRelay: OutboxKick;
  lifecycle?: Lifecycle;
  readinessChecks?: Record<string, HealthCheck>;
}

export function createApp(deps: OrderServiceDeps): Express {
  const { settings } = deps;
  return createHttpApp(
    {
      service: 'order-service',
      accessLog: settings.accessLog,
      logger: deps.logger,
      metrics: deps.metrics,
      lifecycle: deps.lifecycle,
      readinessChecks: deps.readinessChecks,
      corsOrigins: settings.corsOrigins,
      jsonBodyLimit: settings.bodyLimit,
      documentedRoutes: orderRoutesDoc,
    },
    (app) => {
      app.get('/openapi.json', openApiHandler({ title: 'order-service', version: '1.0.0' }, orderRoutesDoc));
      // Placing first: it answers POST /orders and lets every other request through.
      app.use(
        '/orders',
        placementRoutes({ jwt: settings.jwt, placeOrder: deps.placeOrder }),
        orderRoutes({
          jwt: settings.jwt,
          orderStore: deps.orderStore,
          pendingUnits: deps.pendingUnits,
          outboxRelay: deps.outboxRelay,
          metrics: deps.orderMetrics,
        }),
      );
    },
  );
}
