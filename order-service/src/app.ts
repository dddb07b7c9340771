import {
  createHttpApp,
  type HealthCheck,
  type Lifecycle,
  type Logger,
  openApiHandler,
  type ServiceMetrics,
} from '@ecom/service-kit';
import type { Express } from 'express';
import type { IdempotencyStore } from './idempotency/idempotency-store';
import type { PendingUnitsLimit } from './holds/pending-units-limit';
import type { ReleaseQueue } from './inventory-client/pending-releases';
import type { OrderMetrics } from './metrics';
import { orderRoutesDoc } from './openapi';
import type { PlaceOrderDeps } from './orders/place-order';
import type { OrderModel } from './orders/order-model';
import type { OrderStore } from './orders/order-store';
import { orderRoutes } from './orders/order-routes';
import type { OrderServiceSettings } from './settings';

export interface OrderServiceDeps {
  settings: Pick<OrderServiceSettings, 'jwt' | 'corsOrigins' | 'bodyLimit' | 'accessLog' | 'currency'>;
  logger: Logger;
  metrics: ServiceMetrics;
  orderMetrics: OrderMetrics;
  orders: OrderModel;
  orderStore: OrderStore;
  idempotency: IdempotencyStore;
  inventory: PlaceOrderDeps['inventory'];
  releases: ReleaseQueue;
  pendingUnits: PendingUnitsLimit;
  /** Background loops the request path nudges when it leaves them work. */
  outboxRelay: { kick(orderId?: string): void };
  releaseRetrier: { kick(): void };
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
      app.use(
        '/orders',
        orderRoutes({
          jwt: settings.jwt,
          currency: settings.currency,
          logger: deps.logger,
          orders: deps.orders,
          orderStore: deps.orderStore,
          idempotency: deps.idempotency,
          inventory: deps.inventory,
          releases: deps.releases,
          pendingUnits: deps.pendingUnits,
          outboxRelay: deps.outboxRelay,
          releaseRetrier: deps.releaseRetrier,
          metrics: deps.orderMetrics,
        }),
      );
    },
  );
}
